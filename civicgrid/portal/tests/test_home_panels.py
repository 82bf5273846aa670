"""The portal home's panels are rendered once per reader and kept; whatever they show — unread
messages, the points balance, the verification, the latest news — is current on the next visit."""

import pytest
from django.urls import reverse

from civicgrid.core.testing import log_in
from civicgrid.notifications import services as notifications
from civicgrid.portal import services
from civicgrid.portal.models import PointsRule

pytestmark = pytest.mark.django_db

HOME = reverse("portal_home")


@pytest.fixture(autouse=True)
def _shared_cache(settings):
    settings.SHARED_CACHE = True


def panels(client) -> str:
    response = client.get(HOME)
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index('data-testid="portal-panels"') : html.index('data-testid="portal-places"')]


def test_a_new_message_and_reading_it_show_at_once(client, personas):
    resident = personas.resident
    log_in(client, resident)
    assert "0 条未读" in panels(client)
    notifications.notify(user=resident, kind="info", title="您的建议已答复", key="t-1")
    assert "1 条未读" in panels(client)
    client.post(reverse("notifications:mark_read"))
    assert "0 条未读" in panels(client)


def test_earned_points_show_at_once(client, personas):
    PointsRule.objects.create(code="activity", name="参加活动", points=10)
    log_in(client, personas.resident)
    before = panels(client)
    services.points_award(user=personas.resident, rule_code="activity", once_key="a-1")
    after = panels(client)
    assert before != after
    assert '<div class="fs-4 fw-semibold">10</div>' in after


def test_published_news_shows_at_once(client, personas, tree):
    log_in(client, personas.resident)
    assert "社区趣味运动会" not in panels(client)
    services.news_publish(
        actor=personas.community_head_a, unit=tree.community_a, title="社区趣味运动会", body="周六上午"
    )
    assert "社区趣味运动会" in panels(client)


def test_each_reader_sees_their_own_panels(client, personas):
    PointsRule.objects.create(code="activity", name="参加活动", points=10)
    services.points_award(user=personas.resident, rule_code="activity", once_key="a-1")
    log_in(client, personas.resident)
    assert '<div class="fs-4 fw-semibold">10</div>' in panels(client)
    client.logout()
    log_in(client, personas.volunteer)
    assert '<div class="fs-4 fw-semibold">10</div>' not in panels(client)
