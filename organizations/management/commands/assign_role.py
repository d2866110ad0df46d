"""``manage.py assign_role USERNAME ROLE UNIT_CODE [--password PASSWORD]`` (CONTRACT.md §2).

Creates the user if missing, sets the password if given (after the password validators), and
grants ROLE over the unit's whole subtree, through ``services.role_grant``. ``--reset-2fa``
removes the user's second-factor devices (``services.user_two_factor_reset``). Running it again
changes nothing.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from organizations import services
from organizations.models import Role, Unit, User


class Command(BaseCommand):
    help = "为用户授予某单位(含全部下级)的角色;用户不存在时新建。角色:" + ", ".join(Role.values)

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("role", help="角色:" + ", ".join(Role.values))
        parser.add_argument("unit_code", help="单位编码")
        parser.add_argument("--password", help="设置(或重设)该用户的密码(须符合密码规则:至少 8 位、不能过于常见或全为数字)")
        parser.add_argument("--reset-2fa", action="store_true",
                            help="重置该用户的双因素认证设备(丢失手机时;下次登录须重新绑定)")

    def handle(self, *args, username, role, unit_code, password=None, reset_2fa=False, **options):
        if role not in Role.values:
            raise CommandError(f"未知角色“{role}”。可用角色:{', '.join(Role.values)}")
        unit = Unit.objects.filter(code=unit_code).first()
        if unit is None:
            raise CommandError(f"找不到编码为“{unit_code}”的单位。")
        existing = User.objects.filter(username=username).first()
        # A password the user already has is not set again (no new hash, no history record).
        new_password = password if password and not (existing and existing.check_password(password)) else None
        try:
            user, grant, created = services.role_grant(
                actor=None, username=username, role=role, unit=unit, password=new_password,
            )
        except ValidationError as e:
            raise CommandError("; ".join(e.messages)) from e
        if reset_2fa:
            services.user_two_factor_reset(actor=None, user=user, reason="重置双因素认证(assign_role)")
            self.stdout.write("已重置双因素认证,该用户下次登录须重新绑定身份验证器")
        label = Role(role).label
        self.stdout.write(("已有用户" if existing else "新建用户") + f" {user.username}")
        if new_password:
            self.stdout.write("已设置密码")
        elif password:
            self.stdout.write("密码未变")
        if created:
            self.stdout.write(self.style.SUCCESS(
                f"已授予 {user.username} “{label}”({role})角色,范围:{unit.name}({unit.code})及其全部下级"))
        else:
            self.stdout.write(f"{user.username} 已有 “{label}”({role})角色于 {unit.name}({unit.code}),未作改动")
