"""Social organisations (社会组织板块): cultural teams and others; residents ask to join."""
