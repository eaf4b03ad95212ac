from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def learner_home(request):
    """`/`: the learner's own content."""
    return render(request, "access/home.html")
