from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED_OUT = "locked_out", _("账号锁定")
    LOGOUT = "logout", _("退出登录")
    SESSION_EXPIRED = "session_expired", _("会话超时")
    SECOND_FACTOR = "second_factor", _("二次验证")
    SECOND_FACTOR_FAILED = "second_factor_failed", _("二次验证失败")
    SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("绑定验证器")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    PASSWORD_RESET = "password_reset", _("找回密码")
    ADMIN_CHANGE = "admin_change", _("后台修改")
    PERMISSION_CHANGE = "permission_change", _("权限变更")
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    STATE_CHANGE = "state_change", _("状态变更")
    REVEAL = "reveal", _("查看完整个人信息")
    EXPORT = "export", _("导出")
