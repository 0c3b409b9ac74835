"""API permission: authenticated members read their centre; writes follow `lims.roles.WRITE_ROLES`."""
from rest_framework.permissions import SAFE_METHODS, BasePermission

from lims.roles import can_write


class RolePermission(BasePermission):
    message = "Your role may not change these records."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in SAFE_METHODS:
            return True
        area = getattr(view, "area", None)
        if area is None:
            return user.is_superuser
        return can_write(user, area)
