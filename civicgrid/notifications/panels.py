from .selectors import unread_count


def inbox_panel(request):
    return {"template": "notifications/panel.html", "unread": unread_count(user=request.user)}
