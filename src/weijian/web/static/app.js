// weijian 卫健: charts from the JSON embedded in the page, and error messages for htmx requests.
(function () {
  "use strict";

  function toast(text) {
    var box = document.getElementById("toast");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.hidden = true; }, 6000);
  }

  document.addEventListener("htmx:responseError", function (event) {
    var text = "请求失败（" + event.detail.xhr.status + "）";
    try { text = JSON.parse(event.detail.xhr.responseText).error || text; } catch (e) { /* not JSON */ }
    toast(text);
  });
  document.addEventListener("htmx:sendError", function () { toast("无法连接服务器，请检查网络后重试"); });

  // ---- Entry drafts: nothing typed is lost silently ------------------------------------------
  // Every cell typed on the entry form is written to localStorage (key: user, unit, data set,
  // period, cell) before it is sent, and removed only when the server has answered for it. A
  // save that fails because the session expired (401, or a redirect to /login) or the network
  // is down leaves the cell marked 未保存 with its value. When the form is opened again (after
  // logging in again) the kept values are put back into their cells, marked, and saved when the
  // user confirms (保存这些数值): what is stored may have changed in between, so it is not
  // overwritten behind the user's back.
  var DRAFT = "weijian:draft:";

  function draftForm() { return document.getElementById("entry-form"); }
  function formKey(form) { return DRAFT + form.getAttribute("data-draft") + "|"; }
  function cellInput(target) {
    if (target && target.matches && target.matches("#entry-form td.cell")) target = target.querySelector("input");
    return target && target.matches && target.matches("#entry-form td.cell input") ? target : null;
  }
  function source(event) {  // the input a request was made for (detail.elt is the swap target in some events)
    var config = event.detail.requestConfig;
    return cellInput(config && config.elt) || cellInput(event.detail.elt);
  }
  function storage() { try { return window.localStorage; } catch (e) { return null; } }

  function keepDraft(input) {
    var form = draftForm(), store = storage();
    if (!form || !store || !form.getAttribute("data-draft")) return;
    var key = formKey(form) + input.name;
    if (input.value === input.defaultValue && !input.closest("td").classList.contains("unsaved")) store.removeItem(key);
    else store.setItem(key, JSON.stringify({ value: input.value, at: Date.now(), stored: input.defaultValue,
                                             form: form.getAttribute("data-draft-label") || "" }));
  }

  function dropDraft(input, sent) {
    var form = draftForm(), store = storage();
    if (!form || !store) return;
    var key = formKey(form) + input.name, kept = store.getItem(key);
    if (kept === null) return;
    try { if (sent !== undefined && JSON.parse(kept).value !== sent) return; } catch (e) { /* replace it */ }
    store.removeItem(key);
  }

  function markUnsaved(input, why) {
    var td = input.closest("td");
    if (!td) return;
    td.classList.remove("saved", "warn", "bad");
    td.classList.add("unsaved");
    var msg = td.querySelector(".msg");
    if (!msg) { msg = document.createElement("span"); msg.className = "msg"; td.appendChild(msg); }
    msg.textContent = "未保存：" + why;
  }

  function loginAgain() {
    return "/login?next=" + encodeURIComponent(location.pathname + location.search);
  }

  document.addEventListener("input", function (event) {
    var input = cellInput(event.target);
    if (input) keepDraft(input);
  });
  document.addEventListener("htmx:configRequest", function (event) {
    var input = source(event);
    if (input) { keepDraft(input); input.setAttribute("data-sending", input.value); }
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var input = source(event), xhr = event.detail.xhr;
    if (!input) return;
    var expired = xhr.status === 401 || new URL(xhr.responseURL || location.href).pathname === "/login";
    if (expired) {
      event.detail.shouldSwap = false;
      event.detail.isError = false;  // said on the cell, not only in a toast
      markUnsaved(input, "登录已过期，数值暂存在本机浏览器，重新登录后可恢复保存");
      expiredNotice();
    } else if (event.detail.isError) {
      markUnsaved(input, "服务器没有保存（" + xhr.status + "），数值暂存在本机浏览器");
    } else {
      dropDraft(input, input.getAttribute("data-sending"));
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var input = source(event);
    if (input) markUnsaved(input, "无法连接服务器，数值暂存在本机浏览器，恢复网络后请再保存");
  });

  function expiredNotice() {
    var box = document.getElementById("drafts");
    if (!box) return;
    box.hidden = false;
    box.className = "drafts card";
    box.innerHTML = "";
    var p = document.createElement("p");
    p.textContent = "登录已过期，刚才输入的数值没有保存，已暂存在本机浏览器（标为“未保存”）。重新登录后回到本页会填回这些数值。";
    var a = document.createElement("a");
    a.href = loginAgain(); a.className = "button"; a.id = "login-again"; a.textContent = "重新登录";
    box.appendChild(p); box.appendChild(a);
  }

  // The whole form posted (全部保存): keep what differs from what was stored, in case the post is lost.
  document.addEventListener("submit", function (event) {
    if (event.target !== draftForm()) return;
    event.target.querySelectorAll("td.cell input").forEach(function (input) {
      if (input.value !== input.defaultValue) keepDraft(input);
    });
  });

  function restoreDrafts() {
    var form = draftForm(), store = storage(), box = document.getElementById("drafts");
    if (!form || !store || !form.getAttribute("data-draft")) return;
    var prefix = formKey(form), editable = form.getAttribute("data-editable") === "1";
    if (form.getAttribute("data-saved") === "1") {  // 全部保存 succeeded: everything on it is stored
      Object.keys(store).forEach(function (key) { if (key.indexOf(prefix) === 0) store.removeItem(key); });
      return;
    }
    var restored = [];
    Object.keys(store).forEach(function (key) {
      if (key.indexOf(prefix) !== 0) return;
      var name = key.slice(prefix.length), kept;
      try { kept = JSON.parse(store.getItem(key)); } catch (e) { store.removeItem(key); return; }
      var input = form.querySelector('td.cell input[name="' + name.replace(/"/g, "") + '"]');
      if (!input) return;
      if (kept.value === input.defaultValue) {  // on the page already: saved after all, or marked by the server
        var marked = input.closest("td").classList;
        if (!marked.contains("bad") && !marked.contains("unsaved")) store.removeItem(key);
        return;
      }
      var stored = input.defaultValue === "" ? "空" : input.defaultValue;
      if (editable) {
        input.value = kept.value;
        markUnsaved(input, "上次输入“" + kept.value + "”没有保存（库中为" + stored + "）");
      }
      restored.push({ input: input, key: key, value: kept.value });
    });
    if (!restored.length || !box) return;
    box.hidden = false;
    box.className = "drafts card";
    box.innerHTML = "";
    var p = document.createElement("p");
    p.setAttribute("role", "alert");
    p.textContent = editable
      ? "有 " + restored.length + " 个格子上次输入后没有保存（登录过期或网络中断），已从本机浏览器填回，标为“未保存”。请核对后保存。"
      : "有 " + restored.length + " 个格子上次输入后没有保存，但本期现在只读，不能保存：" +
        restored.map(function (r) { return r.input.getAttribute("aria-label") + "：" + r.value; }).join("；");
    box.appendChild(p);
    if (editable) {
      var save = document.createElement("button");
      save.type = "button"; save.id = "save-drafts"; save.textContent = "保存这些数值";
      save.addEventListener("click", function () {
        restored.forEach(function (r) { htmx.trigger(r.input, "change"); });
        box.hidden = true;
      });
      box.appendChild(save);
      box.appendChild(document.createTextNode(" "));
    }
    var discard = document.createElement("button");
    discard.type = "button"; discard.className = "secondary"; discard.id = "discard-drafts";
    discard.textContent = "放弃这些数值";
    discard.addEventListener("click", function () {
      restored.forEach(function (r) {
        store.removeItem(r.key);
        if (editable) { r.input.value = r.input.defaultValue; r.input.closest("td").classList.remove("unsaved");
                        var m = r.input.closest("td").querySelector(".msg"); if (m) m.textContent = ""; }
      });
      box.hidden = true;
    });
    box.appendChild(discard);
  }

  // On any page: say that another form has values kept unsaved, with a link to it (a 全部保存 posted
  // after the session expired comes back from the login page to the default form, not to its own).
  function otherDrafts() {
    var user = document.body.getAttribute("data-user"), store = storage(), form = draftForm();
    if (!user || !store) return;
    var here = form && form.getAttribute("data-draft") ? formKey(form) : null, forms = {};
    Object.keys(store).forEach(function (key) {
      if (key.indexOf(DRAFT + user + "|") !== 0 || (here && key.indexOf(here) === 0)) return;
      var parts = key.slice(DRAFT.length).split("|");
      if (parts.length < 5) return;
      var label = "";
      try { label = JSON.parse(store.getItem(key)).form || ""; } catch (e) { /* keep the codes */ }
      forms[parts.slice(1, 4).join("|")] = { parts: parts, label: label };
    });
    var keys = Object.keys(forms), main = document.querySelector("main");
    if (!keys.length || !main) return;
    var box = document.createElement("div");
    box.className = "drafts card"; box.id = "drafts-elsewhere"; box.setAttribute("role", "status");
    box.appendChild(document.createTextNode("本机浏览器中有上次没有保存的录入："));
    keys.forEach(function (k) {
      var parts = forms[k].parts, a = document.createElement("a");
      a.href = "/entry?ou=" + encodeURIComponent(parts[1]) + "&dataset=" + encodeURIComponent(parts[2]) +
               "&period=" + encodeURIComponent(parts[3]);
      a.textContent = forms[k].label || (parts[1] + " " + parts[2] + " " + parts[3]);
      box.appendChild(document.createTextNode(" ")); box.appendChild(a);
    });
    main.insertBefore(box, main.firstChild);
  }

  function drafts() { restoreDrafts(); otherDrafts(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drafts);
  else drafts();

  function charts() {
    var source = document.getElementById("chart-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    var unit = data.unit || "";
    var trend = document.getElementById("trend-chart");
    if (trend) {
      echarts.init(trend).setOption({
        title: { text: data.name + "（按月）", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + unit; } },
        grid: { left: 50, right: 20, bottom: 40 },
        xAxis: { type: "category", data: data.trend.map(function (p) { return p.label; }) },
        yAxis: { type: "value", scale: true },
        series: [{ type: "line", name: data.name, connectNulls: false,
                   data: data.trend.map(function (p) { return p.value; }) }]
      });
    }
    var rank = document.getElementById("rank-chart");
    if (rank && data.ranking.length) {
      var rows = data.ranking.slice().reverse();
      echarts.init(rank).setOption({
        title: { text: "下级机构排名", textStyle: { fontSize: 14 } },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        grid: { left: 110, right: 30, top: 30, bottom: 20 },
        xAxis: { type: "value", scale: true },
        yAxis: { type: "category", data: rows.map(function (r) { return r.ou_name; }), axisLabel: { fontSize: 11, interval: 0 } },
        series: [{ type: "bar", data: rows.map(function (r) { return r.value; }), itemStyle: { color: "#1f5fa8" } }]
      });
    }
    window.addEventListener("resize", function () {
      [trend, rank].forEach(function (el) { if (el && echarts.getInstanceByDom(el)) echarts.getInstanceByDom(el).resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", charts);
  else charts();
})();
