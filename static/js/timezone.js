/* The browser's time zone, for the pages the server renders with times in it (the admin):
   a cookie every page refreshes (core.middleware.AdminTimeZoneMiddleware). */
"use strict";
(function () {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) document.cookie = `tz=${zone}; path=/; max-age=31536000; SameSite=Lax`;
})();
