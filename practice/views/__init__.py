"""Views of the practice app, one module per area: sessions, progress and history, exports."""
