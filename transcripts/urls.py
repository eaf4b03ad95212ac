app_name = "transcripts"

urlpatterns = []
