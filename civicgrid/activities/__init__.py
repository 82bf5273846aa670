"""Activities (活动): sign-ups with a waiting list, attendance, photos; the demand menus."""
