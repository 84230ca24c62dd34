from django.urls import path

from accounts import token_views, views

# allauth's URL names (account_login, ...) stay global; uchat's own live under "accounts:".
app_name = "accounts"
# The Bots page, at /bots/ (uchat/urls.py).
bot_urlpatterns = [
    path("", token_views.bot_list, name="bots"),
    path("new/", token_views.bot_create, name="bot-create"),
    path("<int:bot_id>/tokens/", token_views.bot_token_create, name="bot-token-create"),
    path(
        "<int:bot_id>/tokens/<int:token_id>/revoke/",
        token_views.bot_token_revoke,
        name="bot-token-revoke",
    ),
    path("<int:bot_id>/deactivate/", token_views.bot_deactivate, name="bot-deactivate"),
]
urlpatterns = [
    # Before allauth's own /accounts/signup/ and /accounts/3rdparty/signup/ (uchat/urls.py
    # includes this first).
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("3rdparty/signup/", views.SocialSignupView.as_view(), name="social-signup"),
    path("profile/", views.profile, name="profile"),
    path("profile/notifications/", views.notification_settings, name="notification-settings"),
    path("profile/tokens/", token_views.token_create, name="token-create"),
    path("profile/tokens/<int:token_id>/revoke/", token_views.token_revoke, name="token-revoke"),
    path("delete/", views.account_delete, name="delete"),
    path("suggest/", views.user_suggest, name="suggest"),
    path("tour/", views.tour, name="tour"),
    path("theme/", views.theme, name="theme"),
]
