from django.db import models
from django.utils.translation import gettext_lazy as _


class RoomUse(models.TextChoices):
    SELF_OCCUPIED = "self_occupied", _("自住")
    RENTED = "rented", _("出租")
    VACANT = "vacant", _("空置")
    BUSINESS = "business", _("经营")


class ResidenceType(models.TextChoices):
    REGISTERED = "registered", _("户籍人口")
    FLOATING = "floating", _("流动人口")
    OVERSEAS = "overseas", _("境外人员")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙辈")
    TENANT = "tenant", _("租客")
    OTHER = "other", _("其他")


class PersonStatus(models.TextChoices):
    LIVING = "living", _("在住")
    MOVED_OUT = "moved_out", _("已迁出")
    DECEASED = "deceased", _("已故")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    INSTITUTION = "institution", _("事业单位")
    SHOP = "shop", _("商铺")
    SOCIAL_ORG = "social_org", _("社会组织")


class VehicleKind(models.TextChoices):
    CAR = "car", _("小汽车")
    TRUCK = "truck", _("货车")
    MOTORCYCLE = "motorcycle", _("摩托车")
    E_BIKE = "e_bike", _("电动自行车")


class ImportSourceKind(models.TextChoices):
    PUBLIC_SECURITY = "public_security", _("公安人口数据")
    GOVERNANCE = "governance", _("综治数据")
    SOCIAL_WORK = "social_work", _("数字社工数据")
    CIVIL_AFFAIRS = "civil_affairs", _("民政数据")


class ImportEntity(models.TextChoices):
    PERSON = "person", _("人口")
    ORGANISATION = "organisation", _("单位")


class BatchStatus(models.TextChoices):
    PREVIEWED = "previewed", _("待确认")
    APPLIED = "applied", _("已导入")
    ROLLED_BACK = "rolled_back", _("已撤销")


class RowStatus(models.TextChoices):
    NEW = "new", _("新增")
    MATCHED = "matched", _("匹配")
    CONFLICT = "conflict", _("有冲突")
    ERROR = "error", _("错误")
    DUPLICATE = "duplicate", _("重复")


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    ACCEPTED = "accepted", _("采用来源值")
    REJECTED = "rejected", _("保留登记值")
