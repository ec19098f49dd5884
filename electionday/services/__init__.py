"""Election day's services, one module per subject: attachments, devices, checklists, incidents, protocols."""
