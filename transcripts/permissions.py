"""Who may open each /manage/ page of transcripts (users/permissions.py reads it)."""

from users.permissions import Need

NEEDS = {
    "tab": Need(record=True),
    "csv": Need(record=True),
    "export": Need(record=True),
    "export_status": Need(record=True),
    "export_download": Need(record=True),
    "settings": Need(permission="transcripts.change_transcriptsettings"),
    "field_add": Need(permission="transcripts.add_transcriptfield"),
    "field_values": Need(permission="transcripts.change_transcriptfieldvalue"),
}
