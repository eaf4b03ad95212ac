from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "users"
    verbose_name = "Users"
    # Permissions (app_label.codename) the Customer Service role holds. Every app
    # declares its own; roles.sync_role_permissions gathers them.
    customer_service_permissions = [
        "users.manage_users",
        "users.impersonate_users",
        "users.view_user",
        "users.change_user",
        "users.view_auditevent",
        "users.view_profilefield",
    ]
    # Tabs this app adds to the user record: (order, label, url name).
    user_record_tabs = [(10, "Details", "users:details")]

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from .search import register_sqlite_functions

        connection_created.connect(register_sqlite_functions, dispatch_uid="users.sqlite_fold")

        from . import roles

        post_migrate.connect(roles.sync_after_migrate, dispatch_uid="users.sync_roles")

        from hijack import signals as hijack_signals

        from . import impersonation

        hijack_signals.hijack_started.connect(
            impersonation.on_hijack_started, dispatch_uid="users.impersonation_started"
        )
        hijack_signals.hijack_ended.connect(
            impersonation.on_hijack_ended, dispatch_uid="users.impersonation_ended"
        )
