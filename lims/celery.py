"""The Celery app. With no REDIS_URL tasks run in-process (eager); with it Redis is broker and result backend.

Every task runs inside an audit context naming the task and its id, so a write made by a worker is never anonymous.
"""
import os

from celery import Celery
from celery.contrib.django.task import DjangoTask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lims.settings")


class AuditedTask(DjangoTask):
    """A task whose database writes carry `task`, `task_id` and the originating user (kwarg `actor_id`)."""

    def __call__(self, *args, **kwargs):
        from lims.audit import audit_context

        task_id = getattr(self.request, "id", None)
        with audit_context(task=self.name, task_id=task_id, user=kwargs.get("actor_id"),
                           username=None if kwargs.get("actor_id") else f"task:{self.name}"):
            return super().__call__(*args, **kwargs)


app = Celery("lims", task_cls=AuditedTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
