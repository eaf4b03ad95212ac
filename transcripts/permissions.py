"""Who may open each /manage/ page of transcripts (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "tab": Need(),
    "csv": Need(),
    "export": Need(),
    "export_status": Need(),
    "export_download": Need(),
    "settings": Need(permission="transcripts.change_transcriptsettings"),
    "field_add": Need(permission="transcripts.add_transcriptfield"),
    "field_values": Need(permission="transcripts.change_transcriptfieldvalue"),
}
