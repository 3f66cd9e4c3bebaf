"""The console's home page (``/console/``): what the signed-in role can do, with links;
and the console's templates and static files."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .guard import role_required
from .nav import NavItem, nav_for

bp = Blueprint("console", __name__, url_prefix="/console", template_folder="templates",
               static_folder="static", static_url_path="/static")

NAV = (NavItem("console.home", _l("Home"), _l("This page: what your role can do."), "clerk", order=0),)


@bp.get("/")
@role_required("clerk")
def home() -> Any:
    return render_template("console/home.html", items=[item for item in nav_for(current_user.role)
                                                         if item.endpoint != "console.home"])
