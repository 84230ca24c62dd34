from django.urls import path

from accounts import views

# allauth's URL names (account_login, ...) stay global; uchat's own live under "accounts:".
app_name = "accounts"
urlpatterns = [
    # Before allauth's own /accounts/signup/ and /accounts/3rdparty/signup/ (uchat/urls.py
    # includes this first).
    path("signup/", views.SignupView.as_view(), name="signup"),
    path("3rdparty/signup/", views.SocialSignupView.as_view(), name="social-signup"),
    path("profile/", views.profile, name="profile"),
    path("profile/notifications/", views.notification_settings, name="notification-settings"),
    path("delete/", views.account_delete, name="delete"),
    path("suggest/", views.user_suggest, name="suggest"),
    path("tour/", views.tour, name="tour"),
    path("theme/", views.theme, name="theme"),
]
