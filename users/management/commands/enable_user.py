from ._user_state import UserStateCommand


class Command(UserStateCommand):
    help = "Enable a disabled user so they can sign in again."
    active = True
