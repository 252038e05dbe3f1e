from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("", views.manage, name="manage"),
    path("follow/", views.follow, name="follow"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/password/", views.sign_in_password, name="sign_in_password"),
    path("password/", views.password, name="password"),
    path("sign-in/<str:token>/", views.sign_in_link, name="sign_in_link"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("subscriptions/<int:pk>/<slug:action>/", views.subscription_action, name="subscription_action"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("feed/<str:secret>.atom", views.feed, name="feed"),
    path("overview/", views.overview, name="overview"),
]
