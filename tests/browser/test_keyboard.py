"""A keyboard walk over the admin pages (WCAG 2.2 AA: 2.1.1 Keyboard, 2.1.2 No Keyboard Trap,
2.4.7 Focus Visible, 1.4.11 Non-text Contrast, 2.4.11 Focus Not Obscured; dialogs keep and
return focus).

The pages are those test_crawl.py and test_screenshots.py visit: /manage/, every page its main
area links to, and the six tabs of a learner with history, at 1280 px; the six tabs and the
learners list again at 390 px, where the header folds into a Menu. On each page real Tab presses
walk from the top until focus comes back to where it started. Every visible, enabled control
must be reached, every stop must show a focus indicator it does not show unfocused (3:1 against
what it is drawn on), must not be off screen or covered, and focus must keep moving. A closed disclosure (<summary>) met on the way is opened with Enter, as a
keyboard user would, so the links behind it are walked too.
"""

import pytest

from tests.browser.pages import DESKTOP, PHONE, TABS, learner_tabs
from tests.browser.test_crawl import manage_links

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Installs window.__keys in the page: numbers each control a keyboard user must reach (once) and
# keeps its unfocused look; describes the focused element. scan() returns [number, Tab stops] of
# the controls now visible (Chromium stops on each segment of a date or time input and on its
# picker). Besides the natively focusable, a control is anything scripted to act on a click and
# any box that scrolls: both must be reached by Tab too.
SETUP = r"""() => {
  if (!window.__keys) {
    const CONTROLS = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]';
    const CLICKABLE = ':is([onclick], [role="button"], [role="link"], [role="tab"], [role="checkbox"], '
      + '[role="switch"], [role="menuitem"], [hx-get], [hx-post], [hx-put], [hx-patch], [hx-delete], '
      + '[data-confirm], [data-open-dialog], [data-close-dialog]):not(form)';
    const SEGMENTS = {date: 4, time: 4, "datetime-local": 7, month: 3, week: 3};
    const ids = new WeakMap();
    const look = [];
    const names = [];
    const text = (node) => (node ? node.textContent : "").replace(/\s+/g, " ").trim();
    const name = (el) => {
      const by = el.getAttribute("aria-labelledby");
      const label = el.getAttribute("aria-label")
        || (by && by.split(/\s+/).map((id) => text(document.getElementById(id))).join(" "))
        || (el.labels && el.labels.length && text(el.labels[0]))
        || text(el) || el.getAttribute("title") || el.getAttribute("placeholder") || el.value || "";
      const where = el.getAttribute("href") ? " -> " + el.getAttribute("href") : "";
      const kind = el.tagName.toLowerCase() + (el.type ? "[" + el.type + "]" : "")
        + (el.getAttribute("role") ? "[role=" + el.getAttribute("role") + "]" : "");
      return `${kind} "${label.slice(0, 60)}"${where}`;
    };
    const rgba = (colour) => {
      const m = /rgba?\(([^)]*)\)/.exec(colour || "");
      if (!m) return null;
      const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
      return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
    };
    const over = (top, under) => top.slice(0, 3).map((c, i) => c * top[3] + under[i] * (1 - top[3]));
    const luminance = (rgb) => {
      const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (a, b) => {
      const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
      return (hi + 0.05) / (lo + 0.05);
    };
    // What the ring is drawn on: the first ancestor with a background (white past the top).
    const backdrop = (el) => {
      const layers = [];
      for (let node = el.parentElement; node; node = node.parentElement) {
        const bg = rgba(getComputedStyle(node).backgroundColor);
        if (bg && bg[3] > 0) { layers.push(bg); if (bg[3] === 1) break; }
      }
      return layers.reduceRight((under, top) => over(top, under), [255, 255, 255]);
    };
    // The drawn parts of an element's outline and box-shadow: [description, colour] each.
    const marks = (el) => {
      const cs = getComputedStyle(el);
      const found = [];
      const outline = rgba(cs.outlineColor);
      if (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0 && outline && outline[3] > 0) {
        found.push([`outline ${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}`, outline]);
      }
      const layer = /(rgba?\([^)]*\))\s+(-?[\d.]+)px\s+(-?[\d.]+)px\s+([\d.]+)px(?:\s+(-?[\d.]+)px)?(\s+inset)?/g;
      for (const m of (cs.boxShadow === "none" ? "" : cs.boxShadow).matchAll(layer)) {
        const colour = rgba(m[1]);
        const drawn = [m[2], m[3], m[4], m[5] || "0"].some((v) => parseFloat(v) !== 0);
        if (colour[3] > 0 && drawn) found.push([`box-shadow ${m[0]}`, colour]);
      }
      return found;
    };
    const scrolls = (el) => {
      const cs = getComputedStyle(el);
      return (/auto|scroll/.test(cs.overflowX) && el.scrollWidth > el.clientWidth + 1)
        || (/auto|scroll/.test(cs.overflowY) && el.scrollHeight > el.clientHeight + 1);
    };
    const control = (el) => {
      if (el.matches(":disabled") || el.closest("[inert]")) return false;
      if (el.tabIndex < 0 && !el.matches(CLICKABLE) && !scrolls(el)) return false;
      if (el.tagName === "SUMMARY" && el.parentElement.querySelector(":scope > summary") !== el) return false;
      return el.checkVisibility({visibilityProperty: true}) && el.getClientRects().length > 0;
    };
    // A radio group is one stop: its radios share the number of the group's first radio.
    const key = (el) => {
      if (el.type === "radio" && el.name) {
        const scope = el.form || document;
        const first = scope.querySelector(`input[type="radio"][name="${CSS.escape(el.name)}"]`);
        if (first && first !== el) return key(first);
      }
      if (!ids.has(el)) {
        ids.set(el, look.length);
        look.push(marks(el).map(([described]) => described));
        names.push(name(el));
      }
      return ids.get(el);
    };
    window.__keys = {
      scan() {
        const found = new Map();
        for (const el of document.querySelectorAll(`${CONTROLS}, ${CLICKABLE}, body *`)) {
          if (found.has(ids.get(el))) continue;
          if (control(el)) found.set(key(el), SEGMENTS[el.type] || 1);
        }
        return [...found];
      },
      name(id) { return names[id]; },
      // The focused element: its number, and the best contrast of what focus added to its look.
      focused() {
        const el = document.activeElement;
        if (!el || el === document.body || el === document.documentElement) return null;
        const id = key(el);
        el.getAnimations().forEach((transition) => transition.finish());  // Pico eases box-shadow in
        const ground = backdrop(el);
        const added = marks(el).filter(([described]) => !look[id].includes(described));
        const ring = Math.max(0, ...added.map(([, colour]) => contrast(over(colour, ground), ground)));
        // WCAG 2.4.11: some of it shows, neither off screen nor entirely under something else.
        const box = el.getBoundingClientRect();
        const inset = (a, b) => [a + Math.min(2, (b - a) / 2), (a + b) / 2, b - Math.min(2, (b - a) / 2)];
        const inView = inset(box.left, box.right).some((x) => inset(box.top, box.bottom).some((y) => {
          const hit = document.elementFromPoint(x, y);
          return hit && (el.contains(hit) || hit.contains(el));
        }));
        return {
          id, ring: Math.round(ring * 100) / 100, inView, visible: el.matches(":focus-visible"),
          added: added.map(([described]) => described),
          closed: el.tagName === "SUMMARY" && !el.parentElement.open,
          segments: SEGMENTS[el.type] || 1,
        };
      },
    };
  }
  return window.__keys.scan();
}"""


def walk(page):
    """Tab through the page from the top; return what a keyboard user would trip over.

    The walk ends when focus comes back to the first stop, or after as many presses as the
    controls seen have stops, plus five.
    """
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); }")
    page.evaluate("() => window.scrollTo(0, 0)")
    stops = dict(page.evaluate(SETUP))
    reached, problems = [], []
    first = previous = None
    repeats = presses = 0
    while presses < sum(stops.values()) + 5:
        presses += 1
        page.keyboard.press("Tab")
        focus = page.evaluate("() => window.__keys.focused()")
        if focus is None:  # past the last control, focus leaves the document for one press
            previous, repeats = None, 0
            continue
        if focus["id"] == first:
            break
        if first is None:
            first = focus["id"]
        if focus["id"] == previous:  # the next segment of a date input, or a trap
            repeats += 1
            if repeats >= focus["segments"]:
                problems.append(f"focus stays on {name(page, focus['id'])} (keyboard trap)")
                break
            continue
        previous, repeats = focus["id"], 0
        reached.append(focus["id"])
        if not focus["visible"] or not focus["added"]:
            problems.append(f"no visible focus indicator on {name(page, focus['id'])}")
        elif focus["ring"] < 3:  # WCAG 1.4.11: 3:1 against what it is drawn on
            problems.append(
                f"focus indicator of {name(page, focus['id'])} has contrast {focus['ring']}:1"
                f" (needs 3:1): {'; '.join(focus['added'])}"
            )
        if not focus["inView"]:
            problems.append(
                f"focused but hidden (off screen or covered): {name(page, focus['id'])}"
            )
        if focus["closed"]:
            page.keyboard.press("Enter")
            stops.update(page.evaluate(SETUP))
    else:
        problems.append(f"focus did not come back to the top after {presses} Tabs")
    stops.update(page.evaluate(SETUP))
    problems += [f"not reached by Tab: {name(page, i)}" for i in stops if i not in set(reached)]
    return list(dict.fromkeys(problems))


def name(page, id_):
    return page.evaluate("id => window.__keys.name(id)", id_)


def test_every_control_on_every_manage_page_is_reached_by_tab_and_shows_focus(
    demo_admin_page, live_server
):
    page = demo_admin_page
    page.goto(f"{live_server.url}/manage/")
    pages = [page.url, *manage_links(page, live_server, "main a[href]")]
    tabs = learner_tabs(page, live_server)
    learners_list = f"{live_server.url}/manage/users/learners/"
    assert learners_list in pages
    walks = [(url, DESKTOP) for url in dict.fromkeys(pages + tabs)]
    walks += [(url, PHONE) for url in [learners_list, *tabs]]

    problems = []
    for url, viewport in walks:
        page.set_viewport_size(viewport)
        page.goto(url)
        where = f"{url.removeprefix(live_server.url)} at {viewport['width']} px"
        problems += [f"{where}: {problem}" for problem in walk(page)]
    assert not problems, "\n".join(problems)


# The controls of an open dialog that Tab must visit, and where focus is: in which open dialog
# (its id, or None), which of its controls (their order), its name and whether it shows a ring.
DIALOG_CONTROLS = """dialog => [...dialog.querySelectorAll(
  'a[href], button, input:not([type="hidden"]), select, textarea, summary, [tabindex]'
)].filter(el => el.tabIndex >= 0 && !el.disabled && el.checkVisibility())"""
WHERE = f"""() => {{
  const el = document.activeElement;
  if (!el || el === document.body) return {{dialog: null, name: null, visible: false}};
  const dialog = el.closest("dialog[open]");
  const name = (el.getAttribute("aria-label") || el.textContent || el.name || el.tagName)
    .replace(/\\s+/g, " ").trim();
  return {{
    dialog: dialog && dialog.id, index: dialog && ({DIALOG_CONTROLS})(dialog).indexOf(el),
    name, visible: el.matches(":focus-visible"),
  }};
}}"""

# A trigger that submits its own form (what to act on, and why) asks once the form is valid.
FILL_FORM = """button => {
  for (const field of button.form ? button.form.querySelectorAll("[required]") : []) {
    if (field.value) continue;
    if (field.tagName === "SELECT") field.selectedIndex = 1; else field.value = "Checked by keyboard";
  }
}"""
CONFIRMATIONS = [
    ("details", "Disable user", "disable-dialog"),
    ("access", "Revoke", "revoke-dialog"),
    ("activity", "Forgive", "forgive-dialog"),
    ("engagement", "Reset progress", "reset-dialog"),
    ("payments", "Remove", "remove-card-dialog"),
]


def test_confirmation_dialogs_open_from_the_keyboard_keep_focus_and_return_it(
    demo_admin_page, live_server
):
    page = demo_admin_page
    tabs = dict(zip(TABS, learner_tabs(page, live_server), strict=True))
    problems = []
    for tab, label, dialog_id in CONFIRMATIONS:
        page.goto(tabs[tab])
        trigger = page.locator("main").get_by_role("button", name=label, exact=False).first
        dialog = page.locator(f"dialog#{dialog_id}")
        for key in ("Enter", "Space"):
            where = f"{tab}: {label} ({key})"
            trigger.evaluate(FILL_FORM)
            trigger.focus()
            page.keyboard.press(key)
            if not dialog.evaluate("d => d.open"):
                problems.append(f"{where}: the dialog did not open")
                continue
            focus = page.evaluate(WHERE)
            if focus["dialog"] != dialog_id:
                problems.append(f"{where}: focus is on {focus['name']!r}, outside the dialog")
            stops = dialog.evaluate(f"d => ({DIALOG_CONTROLS})(d).length")
            for step in ("Tab", "Shift+Tab"):
                seen = set()
                for _ in range(2 * stops + 1):  # round the dialog twice
                    page.keyboard.press(step)
                    focus = page.evaluate(WHERE)
                    if focus["dialog"] != dialog_id:
                        problems.append(
                            f"{where}: {step} moved focus out of the dialog, to {focus['name']!r}"
                        )
                        break
                    if not focus["visible"]:
                        problems.append(f"{where}: no focus ring on {focus['name']!r}")
                    seen.add(focus["index"])
                if len(seen) < stops:
                    problems.append(f"{where}: {step} visited {len(seen)} of {stops} controls")
            page.keyboard.press("Escape")
            if dialog.evaluate("d => d.open"):
                problems.append(f"{where}: Escape did not close the dialog")
                continue
            if not trigger.evaluate("el => el === document.activeElement"):
                problems.append(
                    f"{where}: after Escape focus is on {page.evaluate(WHERE)['name']!r},"
                    " not on the button that opened the dialog"
                )
            elif not page.evaluate(WHERE)["visible"]:
                problems.append(f"{where}: focus came back to the button without a focus ring")
    assert not problems, "\n".join(problems)
