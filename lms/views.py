from django.shortcuts import render


def manage_home(request):
    """/manage/: the admin home page, linking to every section."""
    return render(request, "manage_home.html")
