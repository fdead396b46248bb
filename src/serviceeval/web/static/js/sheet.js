// The score sheet's running total (issue 13 item 3): each dimension's sum and the
// overall sum follow what is typed. Without script the totals are the server's,
// as of the last save.
(function () {
  var inputs = document.querySelectorAll("input[data-dimension]");
  if (!inputs.length) return;
  function fmt(n) { return String(Math.round(n * 100) / 100); }
  function update() {
    var sums = {}, all = 0;
    inputs.forEach(function (input) {
      var text = input.value.trim();
      var v = /^(\d+(\.\d*)?|\.\d+)$/.test(text) ? parseFloat(text) : 0;
      var max = parseFloat(input.max);
      if (!isFinite(v) || v < 0 || (isFinite(max) && v > max)) v = 0;
      sums[input.dataset.dimension] = (sums[input.dataset.dimension] || 0) + v;
      all += v;
    });
    document.querySelectorAll("output[data-total-of]").forEach(function (out) {
      var key = out.dataset.totalOf;
      out.value = fmt(key ? sums[key] || 0 : all);
    });
  }
  inputs.forEach(function (input) { input.addEventListener("input", update); });
})();
