"""一标三实: standard addresses, housing, population and units, each with its change history."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from civicgrid.core.crypto import EncryptedTextField
from civicgrid.org.models import OrgUnit

from .choices import (
    BatchStatus,
    ConflictStatus,
    ImportEntity,
    ImportSourceKind,
    OrganisationKind,
    PersonStatus,
    Relation,
    ResidenceType,
    RoomUse,
    RowStatus,
    Sex,
    VehicleKind,
)

GRID = {"limit_choices_to": {"kind": "grid"}, "on_delete": models.PROTECT, "related_name": "+"}


class Building(models.Model):
    """楼幢: a building of the standard address, in one grid."""

    grid = models.ForeignKey(OrgUnit, verbose_name=_("网格"), **GRID)
    road = models.CharField(_("道路门牌"), max_length=100, help_text=_("例如：凯旋路 88 号"))
    name = models.CharField(_("楼幢"), max_length=50, help_text=_("例如：3 幢"))
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("楼幢")
        verbose_name_plural = _("楼幢")
        constraints = [models.UniqueConstraint(fields=["road", "name"], name="building_unique_address")]
        ordering = ["road", "name"]

    def __str__(self) -> str:
        return f"{self.road}{self.name}"


class Entrance(models.Model):
    """单元: an entrance (stairwell) of a building."""

    building = models.ForeignKey(
        Building, verbose_name=_("楼幢"), on_delete=models.CASCADE, related_name="entrances"
    )
    name = models.CharField(_("单元"), max_length=20)

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        constraints = [models.UniqueConstraint(fields=["building", "name"], name="entrance_unique_name")]
        ordering = ["building", "name"]

    def __str__(self) -> str:
        return f"{self.building}{self.name}"


class Room(models.Model):
    """室 and 实有房屋: a dwelling or premises with its use and owner."""

    entrance = models.ForeignKey(
        Entrance, verbose_name=_("单元"), on_delete=models.CASCADE, related_name="rooms"
    )
    # Denormalised from the building so scoped queries need no join through the address chain.
    grid = models.ForeignKey(OrgUnit, verbose_name=_("网格"), **GRID)
    number = models.CharField(_("室号"), max_length=20)
    floor = models.SmallIntegerField(_("楼层"), default=1)
    use = models.CharField(
        _("房屋用途"), max_length=16, choices=RoomUse.choices, default=RoomUse.SELF_OCCUPIED
    )
    owner_name = models.CharField(_("产权人"), max_length=50, blank=True)
    area = models.DecimalField(_("面积（㎡）"), max_digits=7, decimal_places=2, null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        constraints = [models.UniqueConstraint(fields=["entrance", "number"], name="room_unique_number")]
        ordering = ["entrance", "number"]

    def __str__(self) -> str:
        return f"{self.entrance}{self.number}室"


class Household(models.Model):
    """户: the people living together in a room; the unit a grid worker visits and verifies."""

    room = models.ForeignKey(
        Room, verbose_name=_("房屋"), on_delete=models.PROTECT, related_name="households"
    )
    grid = models.ForeignKey(OrgUnit, verbose_name=_("网格"), **GRID)
    note = models.TextField(_("备注"), blank=True)
    last_verified_at = models.DateTimeField(_("最近核实"), null=True, blank=True)
    last_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核实人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at"])

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        indexes = [models.Index(fields=["grid", "last_verified_at"], name="household_grid_verified")]

    def __str__(self) -> str:
        return str(self.room)


class Person(models.Model):
    """实有人口: a person with an encrypted ID number and phone, masked everywhere unless revealed."""

    full_name = models.CharField(_("姓名"), max_length=50)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    # Keyed digests for exact lookup; the clear value is never stored.
    id_index = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    id_last4_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    id_masked = models.CharField(_("身份证号"), max_length=18, blank=True, editable=False)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True, editable=False)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True, editable=False)
    phone = EncryptedTextField(_("联系电话"), blank=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    phone_masked = models.CharField(_("联系电话"), max_length=11, blank=True, editable=False)
    residence_type = models.CharField(
        _("人口类型"), max_length=16, choices=ResidenceType.choices, default=ResidenceType.REGISTERED
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    relation = models.CharField(
        _("与户主关系"), max_length=16, choices=Relation.choices, default=Relation.OTHER
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.LIVING
    )
    grid = models.ForeignKey(OrgUnit, verbose_name=_("网格"), **GRID)
    last_verified_at = models.DateTimeField(_("最近核实"), null=True, blank=True)
    created_at = models.DateTimeField(_("建档时间"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["created_at", "id_last4_index", "phone_index"])

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        indexes = [
            models.Index(
                fields=["grid", "full_name"],
                name="person_grid_name",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["full_name"], name="person_name_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.full_name


class Organisation(models.Model):
    """实有单位: an enterprise, institution, shop or social organisation."""

    name = models.CharField(_("单位名称"), max_length=100)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, null=True, blank=True, unique=True)
    kind = models.CharField(_("单位类型"), max_length=16, choices=OrganisationKind.choices)
    grid = models.ForeignKey(OrgUnit, verbose_name=_("网格"), **GRID)
    room = models.ForeignKey(
        Room, verbose_name=_("地址"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("联系电话"), blank=True)
    contact_phone_masked = models.CharField(_("联系电话"), max_length=11, blank=True, editable=False)
    staff_count = models.PositiveIntegerField(_("从业人数"), default=0)
    last_verified_at = models.DateTimeField(_("最近核实"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        indexes = [models.Index(fields=["grid", "name"], name="organisation_grid_name")]

    def __str__(self) -> str:
        return self.name


class Vehicle(models.Model):
    plate = models.CharField(_("车牌号"), max_length=10, unique=True)
    kind = models.CharField(
        _("车辆类型"), max_length=16, choices=VehicleKind.choices, default=VehicleKind.CAR
    )
    owner = models.ForeignKey(
        Person,
        verbose_name=_("车主"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vehicles",
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="vehicles",
    )
    grid = models.ForeignKey(OrgUnit, verbose_name=_("网格"), **GRID)
    is_active = models.BooleanField(_("在用"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("车辆")
        verbose_name_plural = _("车辆")

    def __str__(self) -> str:
        return self.plate


class ServiceGroup(models.Model):
    """服务群体: a configurable group (party members, elderly living alone …) with visit intervals by grade."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    is_sensitive = models.BooleanField(_("敏感群体"), default=False)
    # Roles that may see who is in a sensitive group; ignored for groups that are not sensitive.
    visible_roles = models.JSONField(_("可见角色"), default=list, blank=True)
    # Days between visits for grade 1, 2, 3 (分类定级); 0 means no scheduled visits.
    visit_days_grade_1 = models.PositiveSmallIntegerField(_("一级走访周期（天）"), default=7)
    visit_days_grade_2 = models.PositiveSmallIntegerField(_("二级走访周期（天）"), default=30)
    visit_days_grade_3 = models.PositiveSmallIntegerField(_("三级走访周期（天）"), default=90)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("服务群体")
        verbose_name_plural = _("服务群体")
        ordering = ["sort", "code"]

    def __str__(self) -> str:
        return self.name

    def visit_days(self, grade: int) -> int:
        return {1: self.visit_days_grade_1, 2: self.visit_days_grade_2, 3: self.visit_days_grade_3}[grade]


class GroupMembership(models.Model):
    person = models.ForeignKey(
        Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="group_memberships"
    )
    group = models.ForeignKey(
        ServiceGroup, verbose_name=_("服务群体"), on_delete=models.PROTECT, related_name="+"
    )
    grade = models.PositiveSmallIntegerField(
        _("等级"), choices=[(1, _("一级")), (2, _("二级")), (3, _("三级"))], default=2
    )
    since = models.DateField(_("纳入日期"), null=True, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("群体标签")
        verbose_name_plural = _("群体标签")
        constraints = [models.UniqueConstraint(fields=["person", "group"], name="group_membership_unique")]

    def __str__(self) -> str:
        return f"{self.person} · {self.group}"


class ImportSource(models.Model):
    """A departmental system we import from, with its saved column mapping."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("来源类型"), max_length=32, choices=ImportSourceKind.choices)
    entity = models.CharField(
        _("导入对象"), max_length=16, choices=ImportEntity.choices, default=ImportEntity.PERSON
    )
    # {registry field: column header in the source file}
    column_mapping = models.JSONField(_("列映射"), default=dict)

    class Meta:
        verbose_name = _("数据来源")
        verbose_name_plural = _("数据来源")

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    source = models.ForeignKey(
        ImportSource, verbose_name=_("数据来源"), on_delete=models.PROTECT, related_name="batches"
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.PREVIEWED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("导入人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    applied_at = models.DateTimeField(_("导入时间"), null=True, blank=True)
    rolled_back_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    counts = models.JSONField(_("统计"), default=dict)

    class Meta:
        verbose_name = _("导入批次")
        verbose_name_plural = _("导入批次")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.source} · {self.file_name}"


class ImportRow(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    number = models.PositiveIntegerField(_("行号"))
    # The normalised row as JSON, encrypted: source files carry ID numbers and phones in clear.
    data = EncryptedTextField()
    status = models.CharField(_("状态"), max_length=16, choices=RowStatus.choices)
    errors = models.JSONField(_("错误"), default=list)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    room = models.ForeignKey(Room, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["batch", "number"]
        indexes = [models.Index(fields=["batch", "status"], name="importrow_batch_status")]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.number}"


class ImportChange(models.Model):
    """What applying a batch did to one record, so the batch can be rolled back exactly."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="changes")
    model = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    created = models.BooleanField()
    # Field values before the change (encrypted: they may hold personal data); empty when created.
    before = EncryptedTextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["batch", "model"], name="importchange_batch_model")]

    def __str__(self) -> str:
        return f"{self.model}#{self.object_id}"


class SourceRecord(models.Model):
    """Which source said what about a record (多网合一: each row keeps its source)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="sources"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="sources"
    )
    row_number = models.PositiveIntegerField()
    # True when this batch created the record (rolling the batch back deletes it).
    created = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(organisation__isnull=False),
                name="source_record_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.row_number}"


class Conflict(models.Model):
    """A field where a source disagrees with the registry, waiting for a person to decide."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="conflicts")
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="conflicts"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="conflicts"
    )
    grid = models.ForeignKey(OrgUnit, **GRID)
    field = models.CharField(_("字段"), max_length=40)
    registry_value = EncryptedTextField(_("登记值"), blank=True)
    source_value = EncryptedTextField(_("来源值"), blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=ConflictStatus.choices, default=ConflictStatus.OPEN
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("数据冲突")
        verbose_name_plural = _("数据冲突")
        indexes = [
            models.Index(fields=["grid"], condition=Q(status="open"), name="conflict_open_by_grid"),
        ]

    def __str__(self) -> str:
        return f"{self.person or self.organisation} · {self.field}"
