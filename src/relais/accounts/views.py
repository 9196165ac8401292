from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from relais.accounts.charter import accept, current_charter, needs_acceptance, render_charter


@login_required
@require_http_methods(["GET", "POST"])
def charter(request: HttpRequest) -> HttpResponse:
    current = current_charter()
    next_url = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    if request.method == "POST" and current is not None:
        accept(request.user, current)
        return redirect(next_url)
    context = {
        "charter": current,
        "body": render_charter(current.body) if current else "",
        "must_accept": needs_acceptance(request.user),
        "next": next_url,
    }
    return render(request, "accounts/charter.html", context)
