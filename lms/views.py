from django.contrib.auth.decorators import login_required
from django.shortcuts import render


def manage_home(request):
    """/manage/: the admin home page, linking to every section."""
    return render(request, "manage_home.html")


@login_required
def home(request):
    """The learner's home page."""
    return render(request, "home.html")
