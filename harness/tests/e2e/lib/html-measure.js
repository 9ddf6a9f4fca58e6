/* SPDX-License-Identifier: MIT */
// html-measure.js - what html-chromium.sh measures in report.html after
// layout, in a copy of the page made for the measure only (its policy line
// removed, this script appended): the page itself runs no script. Writes
// "key value" lines into a pre element (id dfota-measure), read from the DOM dump.
(function () {
  var out = [];
  var de = document.documentElement;
  out.push('viewport ' + window.innerWidth);
  out.push('overflow ' + (de.scrollWidth - window.innerWidth));
  var hd = document.querySelector('body > header');
  var first = hd ? hd.nextElementSibling : null;
  out.push('after-header ' + (first ? first.tagName.toLowerCase() + '#' + first.id : 'none'));
  var secs = document.querySelectorAll('body > section');
  out.push('first-section ' + (secs.length ? secs[0].id : 'none'));
  var f = document.getElementById('failures'), v = document.getElementById('verdicts');
  if (f && v) out.push('failures-above-table ' + (f.getBoundingClientRect().bottom <= v.getBoundingClientRect().top ? 1 : 0));
  var rows = f ? f.querySelectorAll('tbody tr').length : 0;
  out.push('failure-rows ' + rows);
  var dangling = 0;
  document.querySelectorAll('a[href^="#"]').forEach(function (a) {
    if (!document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)))) {
      if (a.closest('#failures')) dangling++;
    }
  });
  out.push('failure-links-dangling ' + dangling);
  var overlaps = 0, texts = 0, first_pair = '';
  document.querySelectorAll('figure.timeline svg').forEach(function (svg) {
    var boxes = [];
    svg.querySelectorAll('text').forEach(function (t) {
      var r = t.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) boxes.push([r, t.textContent]);
    });
    texts += boxes.length;
    for (var i = 0; i < boxes.length; i++)
      for (var j = i + 1; j < boxes.length; j++) {
        var a = boxes[i][0], b = boxes[j][0];
        var w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        var h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 0.5 && h > 0.5) {
          overlaps++;
          if (!first_pair) first_pair = JSON.stringify(boxes[i][1]) + ' / ' + JSON.stringify(boxes[j][1]);
        }
      }
  });
  out.push('timeline-labels ' + texts);
  out.push('label-overlaps ' + overlaps + (first_pair ? ' ' + first_pair : ''));
  var wide = [];
  document.querySelectorAll('body *').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > window.innerWidth + 0.5 && wide.length < 3) wide.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right));
  });
  out.push('widest ' + (wide.join(' | ') || '-'));
  var pre = document.createElement('pre');
  pre.id = 'dfota-measure';
  pre.textContent = out.join('\n');
  document.body.appendChild(pre);
})();
