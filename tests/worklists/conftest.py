import pytest

from regions.models import Region
from worklists import services
from worklists.models import ListVersion


@pytest.fixture
def region():
    return lambda code: Region.objects.get(code=code)


@pytest.fixture
def huanggu_draft(db, demo_user, region):
    """A new draft of the 皇姑区 list, derived from the 沈阳市 list in force."""
    return services.create_draft(demo_user("huanggu.ca"), region("210105000000"), source="upper", change_note="测试调整")


@pytest.fixture
def walk(demo_user):
    """Take a draft through submit → approve → publish with the 皇姑区 demo users."""

    def do(version: ListVersion, document: str = "皇政〔2026〕99号") -> ListVersion:
        services.submit(demo_user("huanggu.ca"), version)
        services.approve(demo_user("huanggu.gov"), version, document=document)
        return services.publish(demo_user("huanggu.ca"), version)

    return do
