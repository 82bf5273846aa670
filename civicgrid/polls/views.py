"""Pages of 投票与调研: residents vote and answer; staff draft, publish, close, read and export."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.core import clock
from civicgrid.core.errors import DomainError, NotFound
from civicgrid.core.forms import add_service_errors, run_service
from civicgrid.core.shortcuts import acted, found_or_404
from civicgrid.org.choices import UnitKind
from civicgrid.org.decorators import require_action
from civicgrid.portal.services import is_verified

from . import exports, selectors, services
from .choices import CHOICE_KINDS, QuestionKind, Status
from .forms import PollForm, QuestionForm, SurveyForm, local_input

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _phased(items, now):
    items = list(items)
    for item in items:
        item.current_phase = item.phase(now)
    return items


# ---------------------------------------------------------------- residents


@require_GET
@require_action("polls.vote")
def index(request):
    now = clock.now()
    user = request.user
    context = {
        "open_polls": _phased(selectors.open_polls_for(user, now=now)[: selectors.LIST_LIMIT], now),
        "open_surveys": _phased(selectors.open_surveys_for(user, now=now)[: selectors.LIST_LIMIT], now),
        "closed_polls": _phased(selectors.closed_polls_for(user, now=now)[: selectors.LIST_LIMIT], now),
        "closed_surveys": _phased(selectors.closed_surveys_for(user, now=now)[: selectors.LIST_LIMIT], now),
        "verified": is_verified(user),
    }
    return render(request, "polls/index.html", context)


def _poll_context(request, poll, *, errors=None, chosen=()) -> dict:
    now = clock.now()
    hidden = selectors.results_hidden_reason(user=request.user, poll=poll, voted=poll.voted, now=now)
    return {
        "poll": poll,
        "phase": poll.phase(now),
        "options": selectors.poll_options(poll),
        "verified": is_verified(request.user),
        "mine": selectors.my_choices(user=request.user, poll=poll) if poll.voted else [],
        "results": None if hidden else selectors.poll_results(poll),
        "hidden_reason": hidden,
        "errors": errors or {},
        "general_errors": (errors or {}).get("__all__", []),
        "chosen": [str(c) for c in chosen],
    }


@require_GET
@require_action("polls.vote")
def poll(request, poll_id: int):
    item = found_or_404(selectors.access_poll, user=request.user, poll_id=poll_id)
    return render(request, "polls/poll.html", _poll_context(request, item))


@require_POST
@require_action("polls.vote")
def vote(request, poll_id: int):
    """Vote; htmx swaps the poll's card (the results when allowed, or the errors at 422)."""
    item = found_or_404(selectors.access_poll, user=request.user, poll_id=poll_id)
    chosen = request.POST.getlist("options")
    template = "polls/partials/poll_body.html" if request.htmx else "polls/poll.html"
    try:
        services.vote_cast(actor=request.user, poll=item, option_ids=chosen)
    except ValidationError as error:
        context = _poll_context(request, item, errors=error.message_dict, chosen=chosen)
        return render(request, template, context, status=422)
    except NotFound:
        raise Http404 from None
    except DomainError as error:
        if not request.htmx:
            messages.error(request, str(error.message))
            return redirect("polls:poll", item.pk)
        # htmx swaps 422 answers only: the refusal is shown where the resident pressed.
        context = _poll_context(request, item, errors={"__all__": [str(error.message)]}, chosen=chosen)
        return render(request, template, context, status=422)
    if not request.htmx:
        messages.success(request, _("投票成功，感谢参与！"))
        return redirect("polls:poll", item.pk)
    item = selectors.access_poll(user=request.user, poll_id=item.pk)
    context = _poll_context(request, item) | {"just_voted": True}
    return render(request, template, context)


def _posted_answers(data, questions) -> dict[int, object]:
    answers: dict[int, object] = {}
    for question in questions:
        if question.kind == QuestionKind.MULTIPLE:
            answers[question.pk] = data.getlist(question.field_name)
        else:
            answers[question.pk] = data.get(question.field_name, "")
    return answers


def _with_answers(questions, answers: dict, errors: dict):
    """Each question carries what was posted (to fill the form again) and its errors."""
    for question in questions:
        value = answers.get(question.pk)
        question.posted = [str(v) for v in value] if isinstance(value, list) else [str(value or "")]
        question.posted_text = "" if isinstance(value, list) else str(value or "")
        question.errors = errors.get(question.field_name, [])
    return questions


@require_http_methods(["GET", "POST"])
@require_action("polls.vote")
def survey(request, survey_id: int):
    item = found_or_404(selectors.access_survey, user=request.user, survey_id=survey_id)
    questions = selectors.questions_of(item)
    answers: dict = {}
    errors: dict = {}
    status = 200
    if request.method == "POST":
        answers = _posted_answers(request.POST, questions)
        try:
            services.survey_respond(actor=request.user, survey=item, answers=answers)
        except ValidationError as error:
            errors, status = error.message_dict, 422
        except NotFound:
            raise Http404 from None
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("polls:survey", item.pk)
        else:
            messages.success(request, _("已提交，感谢您参与调研！"))
            return redirect("polls:survey", item.pk)
    context = {
        "survey": item,
        "phase": item.phase(clock.now()),
        "questions": _with_answers(questions, answers, errors),
        "errors": errors,
        "verified": is_verified(request.user),
        "choice_kinds": CHOICE_KINDS,
    }
    return render(request, "polls/survey.html", context, status=status)


# ---------------------------------------------------------------- staff


@require_GET
@require_action("polls.manage")
def staff_list(request):
    show = "surveys" if request.GET.get("show") == "surveys" else "polls"
    rows = (
        selectors.surveys_managed(request.user)
        if show == "surveys"
        else selectors.polls_managed(request.user)
    )
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    now = clock.now()
    page.object_list = _phased(page.object_list, now)
    return render(request, "polls/staff_list.html", {"page": page, "show": show})


def _window_initial(item) -> dict:
    return {
        "unit": item.unit_id,
        "title": item.title,
        "opens_at": local_input(item.opens_at),
        "closes_at": local_input(item.closes_at),
    }


def _refuse_unless_draft(request, item, back: str):
    if item.status != Status.DRAFT:
        messages.error(request, _("已发布的内容不能再修改。"))
        return redirect(back, item.pk)
    return None


def _poll_fields(form) -> dict:
    data = form.cleaned_data
    return {
        "unit": form.chosen_unit(),
        "title": data["title"],
        "description": data["description"],
        "kind": data["kind"],
        "max_choices": data["max_choices"],
        "opens_at": data["opens_at"],
        "closes_at": data["closes_at"],
        "results_visibility": data["results_visibility"],
        "options": data["options"],
    }


@require_http_methods(["GET", "POST"])
@require_action("polls.manage")
def poll_new(request):
    units = selectors.manage_units(request.user)
    now = clock.now()
    initial = {"opens_at": local_input(now), "closes_at": local_input(now + timedelta(days=7))}
    form = PollForm(request.POST or None, units=units, initial=initial)
    if request.method == "POST" and form.is_valid():
        item = run_service(form, lambda: services.poll_create(actor=request.user, **_poll_fields(form)))
        if not form.errors:
            messages.success(request, _("投票已保存为草稿，检查无误后请发布。"))
            return redirect("polls:poll_manage", item.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "polls/poll_form.html", {"form": form, "poll": None}, status=status)


@require_http_methods(["GET", "POST"])
@require_action("polls.manage")
def poll_edit(request, poll_id: int):
    item = found_or_404(selectors.access_managed_poll, user=request.user, poll_id=poll_id)
    refused = _refuse_unless_draft(request, item, "polls:poll_manage")
    if refused:
        return refused
    initial = _window_initial(item) | {
        "description": item.description,
        "kind": item.kind,
        "max_choices": item.max_choices if item.kind == "multiple" else None,
        "results_visibility": item.results_visibility,
        "options": "\n".join(o.text for o in item.options.all()),
    }
    form = PollForm(request.POST or None, units=selectors.manage_units(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        run_service(form, lambda: services.poll_update(actor=request.user, poll=item, **_poll_fields(form)))
        if not form.errors:
            messages.success(request, _("已保存。"))
            return redirect("polls:poll_manage", item.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "polls/poll_form.html", {"form": form, "poll": item}, status=status)


@require_GET
@require_action("polls.manage")
def poll_manage(request, poll_id: int):
    item = found_or_404(selectors.access_managed_poll, user=request.user, poll_id=poll_id)
    results = selectors.poll_results(item, by_community=item.unit.kind == UnitKind.STREET)
    charts = [
        {
            "key": "poll",
            "title": item.title,
            "labels": [o["text"] for o in results["options"]],
            "values": [o["count"] for o in results["options"]],
        }
    ]
    context = {"poll": item, "phase": item.phase(clock.now()), "results": results, "charts": charts}
    return render(request, "polls/poll_manage.html", context)


@require_POST
@require_action("polls.manage")
def poll_publish(request, poll_id: int):
    item = found_or_404(selectors.access_managed_poll, user=request.user, poll_id=poll_id)
    acted(
        request,
        lambda: services.poll_publish(actor=request.user, poll=item),
        _("已发布，参与范围内的居民会收到消息。"),
    )
    return redirect("polls:poll_manage", item.pk)


@require_POST
@require_action("polls.manage")
def poll_close(request, poll_id: int):
    item = found_or_404(selectors.access_managed_poll, user=request.user, poll_id=poll_id)
    acted(request, lambda: services.poll_close(actor=request.user, poll=item), _("投票已结束。"))
    return redirect("polls:poll_manage", item.pk)


def _survey_fields(form) -> dict:
    data = form.cleaned_data
    return {
        "unit": form.chosen_unit(),
        "title": data["title"],
        "intro": data["intro"],
        "opens_at": data["opens_at"],
        "closes_at": data["closes_at"],
    }


@require_http_methods(["GET", "POST"])
@require_action("polls.manage")
def survey_new(request):
    now = clock.now()
    initial = {"opens_at": local_input(now), "closes_at": local_input(now + timedelta(days=14))}
    form = SurveyForm(request.POST or None, units=selectors.manage_units(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        item = run_service(form, lambda: services.survey_create(actor=request.user, **_survey_fields(form)))
        if not form.errors:
            messages.success(request, _("调研已保存为草稿，请添加问题。"))
            return redirect("polls:survey_manage", item.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "polls/survey_form.html", {"form": form, "survey": None}, status=status)


@require_http_methods(["GET", "POST"])
@require_action("polls.manage")
def survey_edit(request, survey_id: int):
    item = found_or_404(selectors.access_managed_survey, user=request.user, survey_id=survey_id)
    refused = _refuse_unless_draft(request, item, "polls:survey_manage")
    if refused:
        return refused
    initial = _window_initial(item) | {"intro": item.intro}
    form = SurveyForm(request.POST or None, units=selectors.manage_units(request.user), initial=initial)
    if request.method == "POST" and form.is_valid():
        run_service(
            form, lambda: services.survey_update(actor=request.user, survey=item, **_survey_fields(form))
        )
        if not form.errors:
            messages.success(request, _("已保存。"))
            return redirect("polls:survey_manage", item.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "polls/survey_form.html", {"form": form, "survey": item}, status=status)


def _survey_manage_context(request, item, question_form=None) -> dict:
    summary = selectors.survey_summary(item)
    charts = []
    for question in summary["questions"]:
        if question["kind"] in CHOICE_KINDS:
            labels = [o["text"] for o in question["options"]]
            values = [o["count"] for o in question["options"]]
        elif question["kind"] == QuestionKind.RATING:
            labels = [_("%(n)d 分") % {"n": n} for n in range(1, 6)]
            values = question["ratings"]
        else:
            continue
        charts.append(
            {"key": f"q{question['id']}", "title": question["text"], "labels": labels, "values": values}
        )
    return {
        "survey": item,
        "phase": item.phase(clock.now()),
        "summary": summary,
        "charts": charts,
        "question_form": question_form or QuestionForm(),
    }


@require_GET
@require_action("polls.manage")
def survey_manage(request, survey_id: int):
    item = found_or_404(selectors.access_managed_survey, user=request.user, survey_id=survey_id)
    return render(request, "polls/survey_manage.html", _survey_manage_context(request, item))


def _question_kwargs(form) -> dict:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "text": data["text"],
        "required": data["required"],
        "options": data["options"],
    }


@require_POST
@require_action("polls.manage")
def question_add(request, survey_id: int):
    item = found_or_404(selectors.access_managed_survey, user=request.user, survey_id=survey_id)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_add(actor=request.user, survey=item, **_question_kwargs(form))
        except ValidationError as error:
            add_service_errors(form, error)
        except DomainError as error:
            messages.error(request, str(error.message))
            return redirect("polls:survey_manage", item.pk)
        else:
            messages.success(request, _("问题已添加。"))
            return redirect("polls:survey_manage", item.pk)
    context = _survey_manage_context(request, item, question_form=form)
    return render(request, "polls/survey_manage.html", context, status=422)


@require_http_methods(["GET", "POST"])
@require_action("polls.manage")
def question_edit(request, survey_id: int, question_id: int):
    item = found_or_404(selectors.access_managed_survey, user=request.user, survey_id=survey_id)
    question = found_or_404(
        selectors.access_managed_question, user=request.user, survey=item, question_id=question_id
    )
    refused = _refuse_unless_draft(request, item, "polls:survey_manage")
    if refused:
        return refused
    initial = {
        "kind": question.kind,
        "text": question.text,
        "required": question.required,
        "options": "\n".join(o.text for o in question.options.all()),
    }
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        run_service(
            form,
            lambda: services.question_update(actor=request.user, question=question, **_question_kwargs(form)),
        )
        if not form.errors:
            messages.success(request, _("已保存。"))
            return redirect("polls:survey_manage", item.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "survey": item, "question": question}
    return render(request, "polls/question_form.html", context, status=status)


@require_POST
@require_action("polls.manage")
def question_delete(request, survey_id: int, question_id: int):
    item = found_or_404(selectors.access_managed_survey, user=request.user, survey_id=survey_id)
    question = found_or_404(
        selectors.access_managed_question, user=request.user, survey=item, question_id=question_id
    )
    acted(request, lambda: services.question_delete(actor=request.user, question=question), _("问题已删除。"))
    return redirect("polls:survey_manage", item.pk)


@require_POST
@require_action("polls.manage")
def question_move(request, survey_id: int, question_id: int):
    item = found_or_404(selectors.access_managed_survey, user=request.user, survey_id=survey_id)
    question = found_or_404(
        selectors.access_managed_question, user=request.user, survey=item, question_id=question_id
    )
    up = request.POST.get("direction") == "up"
    try:
        services.question_move(actor=request.user, question=question, up=up)
    except DomainError as error:
        messages.error(request, str(error.message))
    return redirect("polls:survey_manage", item.pk)


@require_POST
@require_action("polls.manage")
def survey_publish(request, survey_id: int):
    item = found_or_404(selectors.access_managed_survey, user=request.user, survey_id=survey_id)
    acted(
        request,
        lambda: services.survey_publish(actor=request.user, survey=item),
        _("已发布，参与范围内的居民会收到消息。"),
    )
    return redirect("polls:survey_manage", item.pk)


@require_POST
@require_action("polls.manage")
def survey_close(request, survey_id: int):
    item = found_or_404(selectors.access_managed_survey, user=request.user, survey_id=survey_id)
    acted(request, lambda: services.survey_close(actor=request.user, survey=item), _("调研已结束。"))
    return redirect("polls:survey_manage", item.pk)


@require_POST
@require_action("polls.manage")
def survey_export(request, survey_id: int):
    """The results as XLSX (POST: every export is audited, so no link prefetch may trigger one)."""
    item = found_or_404(selectors.access_managed_survey, user=request.user, survey_id=survey_id)
    content = exports.survey_results_xlsx(actor=request.user, survey=item, request=request)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="survey-{item.pk}-results.xlsx"'
    return response
