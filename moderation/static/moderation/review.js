/* Keyboard shortcuts of the review queue.
 *
 * A approves the report on screen, D goes to the decline form (1-4 then pick a
 * canned reason, Enter declines), N opens the next report. Keys typed into a
 * field, or pressed with Ctrl/Alt/Meta, are left alone.
 */
(function () {
    "use strict";

    function find(name) {
        return document.querySelector('[data-review="' + name + '"]');
    }

    function typing(target) {
        var tag = target && target.tagName;
        return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" ||
            (target && target.isContentEditable);
    }

    function pickReason(index) {
        var form = find("decline-form");
        if (!form) {
            return false;
        }
        var reasons = form.querySelectorAll('input[name="canned"]:not([value=""])');
        if (index < 1 || index > reasons.length) {
            return false;
        }
        reasons[index - 1].checked = true;
        reasons[index - 1].focus();
        return true;
    }

    document.addEventListener("keydown", function (event) {
        if (event.ctrlKey || event.altKey || event.metaKey) {
            return;
        }
        var inReasons = event.target && event.target.name === "canned";
        if (typing(event.target) && !inReasons) {
            return;
        }
        var key = event.key.toLowerCase();
        var target = null;
        if (key === "a") {
            target = find("approve");
            if (target) {
                event.preventDefault();
                target.click();
            }
        } else if (key === "d") {
            target = find("reason-text");
            if (target) {
                event.preventDefault();
                target.scrollIntoView({block: "center"});
                var first = find("decline-form").querySelector('input[name="canned"]:not([value=""])');
                (first || target).focus();
            }
        } else if (key === "n") {
            target = find("next");
            if (target) {
                event.preventDefault();
                window.location.href = target.href;
            }
        } else if (/^[1-9]$/.test(key)) {
            if (pickReason(parseInt(key, 10))) {
                event.preventDefault();
            }
        } else if (key === "enter" && inReasons) {
            target = find("decline");
            if (target) {
                event.preventDefault();
                target.click();
            }
        }
    });
})();
