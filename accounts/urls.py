from django.contrib.auth import views as auth_views
from django.urls import path

from . import channel_views, onboarding_views, security_views, sso_views, token_views, views
from .forms import LoginForm

app_name = "accounts"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Single sign-on (accounts/sso.py): 404 until the bureau's provider is configured.
    path("login/sso/", sso_views.SSOStartView.as_view(), name="sso_start"),
    path("login/sso/callback/", sso_views.SSOCallbackView.as_view(), name="sso_callback"),
    path("login/verify/", security_views.OTPVerifyView.as_view(), name="otp_verify"),
    path("security/", security_views.SecurityView.as_view(), name="security"),
    path("security/authenticator/", security_views.OTPSetupView.as_view(), name="otp_setup"),
    path("password/", security_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"
    ),
    # Onboarding: a first password from an invitation or a printed code; forgot password.
    path(
        "invitation/<str:token>/",
        onboarding_views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("activate/", onboarding_views.ActivationView.as_view(), name="activate"),
    path("password/reset/", onboarding_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        onboarding_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path(
        "onboarding/imported/",
        onboarding_views.OnboardingBatchView.as_view(),
        name="onboarding_batch",
    ),
    path("preferences/", views.PreferencesView.as_view(), name="preferences"),
    # Notice channels (accounts/deliveries.py): one's own per kind of notice; an
    # organisation's group robots, managed by its own administrators.
    path(
        "preferences/channels/",
        channel_views.NoticeChannelsView.as_view(),
        name="notice_channels",
    ),
    path(
        "organisations/<int:pk>/robots/",
        channel_views.OrganisationRobotsView.as_view(),
        name="organisation_robots",
    ),
    path("robots/<int:pk>/", channel_views.ChatRobotView.as_view(), name="chat_robot"),
    path("tokens/", token_views.AccessTokensView.as_view(), name="access_tokens"),
    path("language/", views.LanguageSwitchView.as_view(), name="language_switch"),
    path("inbox/", views.InboxView.as_view(), name="inbox"),
    path("inbox/read/", views.NotificationsMarkReadView.as_view(), name="notifications_read"),
    path("inbox/<int:pk>/", views.NotificationOpenView.as_view(), name="notification_open"),
    path("organisations/", views.OrganisationListView.as_view(), name="organisation_list"),
    path(
        "organisations/<int:pk>/",
        views.OrganisationDetailView.as_view(),
        name="organisation_detail",
    ),
    path(
        "organisations/<int:pk>/people/",
        onboarding_views.OrganisationPeopleView.as_view(),
        name="organisation_people",
    ),
    path("audit/", views.AuditTrailView.as_view(), name="audit_trail"),
    path("jobs/<int:pk>/", views.JobDetailView.as_view(), name="job_detail"),
    path("jobs/<int:pk>/download/", views.JobDownloadView.as_view(), name="job_download"),
]
