from django.urls import path

from users.permissions import guard

from . import views
from .permissions import NEEDS

app_name = "payments"

urlpatterns = guard(
    [
        path("manage/users/<int:user_id>/payments/", views.tab, name="tab"),
        path(
            "manage/users/<int:user_id>/payments/cards/<int:card_id>/default/",
            views.card_make_default,
            name="card_make_default",
        ),
        path(
            "manage/users/<int:user_id>/payments/cards/<int:card_id>/remove/",
            views.card_remove,
            name="card_remove",
        ),
        path(
            "manage/users/<int:user_id>/payments/subscriptions/<int:subscription_id>/cancel/",
            views.subscription_cancel,
            name="subscription_cancel",
        ),
        path(
            "manage/users/<int:user_id>/payments/transactions/<int:transaction_id>/refund/",
            views.refund,
            name="refund",
        ),
    ],
    NEEDS,
)
