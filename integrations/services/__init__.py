"""Every write of integrations:

- ``signing``: secrets (the incoming URL's token, the signing keys), signatures and the URL
  check every outgoing address passes at creation;
- ``incoming``: incoming webhooks (create, revoke, post);
- ``outgoing``: outgoing webhooks (create, change, delete, re-enable);
- ``routing``: the domain-event handlers that queue deliveries for the hooks that hear them;
- ``delivery``: one signed POST of one event, its record, and switching a failing hook off;
- ``bot_commands``: bots' slash commands (the provider rooms.commands asks, and the run).
"""
