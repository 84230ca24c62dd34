from django.urls import path

from tickets import views

app_name = "tickets"
urlpatterns = [
    path("", views.ticket_list, name="list"),
    path("new/", views.ticket_open, name="open"),
    path("inbox/", views.inbox, name="inbox"),
    path("from-message/<int:message_id>/", views.ticket_from_message, name="from-message"),
    path("<int:ticket_id>/", views.ticket_detail, name="detail"),
    path("<int:ticket_id>/status/", views.ticket_status, name="status"),
    path("<int:ticket_id>/reopen/", views.ticket_reopen, name="reopen"),
    path("<int:ticket_id>/assign/", views.ticket_assign, name="assign"),
    path("<int:ticket_id>/take/", views.ticket_take, name="take"),
    path("<int:ticket_id>/join/", views.ticket_join, name="join"),
    path("<int:ticket_id>/notes/", views.ticket_note, name="note"),
    path("<int:ticket_id>/feedback/", views.ticket_feedback, name="feedback"),
    path("feedback/<str:token>/", views.feedback_link, name="feedback-link"),
    path("agents/new/", views.agent_create, name="agent-create"),
    path("agents/welcome/<str:uidb64>/<str:token>/", views.agent_welcome, name="agent-welcome"),
    path("reports/", views.reports, name="reports"),
    path("reports/tickets.csv", views.reports_csv, name="reports-csv"),
]
