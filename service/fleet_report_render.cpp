// The fleet report's three forms: one self-contained HTML page, CSV and JSON. Every text here came from a PC.
#include <algorithm>
#include <cstdio>
#include <ostream>
#include <set>

#include "service/fleet_report.h"

namespace remediator::service {

namespace {

/// Length of a valid UTF-8 sequence at s[i] (1 for ASCII), or 0 when the bytes there are not one.
std::size_t utf8Length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

/// Calls emit(char) for plain bytes and emitValid(view) for whole UTF-8 sequences; invalid bytes become U+FFFD.
template <typename Ascii>
void forEachChar(std::string_view s, std::string& out, Ascii ascii) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8Length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else if (n == 1) {
      ascii(out, s[i]);
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
}

std::string jsonString(std::string_view s) {
  std::string out = "\"";
  forEachChar(s, out, [](std::string& o, char c) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"') o += "\\\"";
    else if (c == '\\') o += "\\\\";
    else if (u < 0x20 || c == '<' || c == '>' || c == '&' || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      o += buf;
    } else {
      o += c;
    }
  });
  return out + "\"";
}

/// A CSV field: quoted, quotes doubled, and a leading = + - @ (a formula to a spreadsheet) made text with '.
std::string csvField(std::string_view s) {
  std::string out = "\"";
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r')) {
    out += '\'';
  }
  forEachChar(s, out, [](std::string& o, char c) {
    if (c == '"') o += "\"\"";
    else if (static_cast<unsigned char>(c) < 0x20 && c != '\t') o += ' ';
    else o += c;
  });
  return out + "\"";
}

/// The fixers of the whole fleet, in a stable order.
std::vector<std::string> fleetFixers(const FleetReport& r) {
  std::set<std::string> names;
  for (const auto& pc : r.pcs) {
    for (const auto& f : pc.fixers) names.insert(f.fixer);
  }
  return {names.begin(), names.end()};
}

const FixerView* fixerOf(const PcView& pc, const std::string& name) {
  for (const auto& f : pc.fixers) {
    if (f.fixer == name) return &f;
  }
  return nullptr;
}

std::string overall(const PcView& pc) {
  if (pc.needsAdmin) return "needs_admin";
  for (const auto& f : pc.fixers) {
    if (f.state == "healed") return "healed";
  }
  return "healthy";
}

std::string joined(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += sep;
    out += i;
  }
  return out;
}

const char* kStyle = R"CSS(
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em}th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0;cursor:pointer;user-select:none}th.sorted-asc::after{content:" \25B2"}th.sorted-desc::after{content:" \25BC"}
.s-compliant,.s-healthy,.s-intact{background:#e6f4e6}.s-healed{background:#e3eefc}.s-drift{background:#fff3cd}
.s-failed,.s-breaker_open,.s-broken,.s-diverged,.s-needs_admin,.s-stale{background:#f8d7da}
.s-off,.s-not_applicable,.s-unknown,.s-none{color:#777}
.summary span{margin-right:1.5em}.muted{color:#777}.controls{margin:.8em 0}.controls input[type=text]{width:20em}
svg{vertical-align:middle}
)CSS";

/// Sorting and filtering, on the table already in the page: no data in the script, nothing fetched. The URL's
/// fragment may preset them (#filter=TEXT&admin=1&sort=COLUMN:desc), which the browser test uses.
const char* kScript = R"JS(
(function(){
  var table=document.getElementById('pcs'),body=table.tBodies[0],filter=document.getElementById('filter'),
      admin=document.getElementById('only-admin'),heads=table.tHead.rows[0].cells;
  function cellKey(row,i){var c=row.cells[i];return c?(c.getAttribute('data-key')||c.textContent):'';}
  function apply(){
    var text=filter.value.toLowerCase(),shown=0;
    for(var r=0;r<body.rows.length;r++){
      var row=body.rows[r],ok=(!text||row.textContent.toLowerCase().indexOf(text)>=0)&&
              (!admin.checked||row.getAttribute('data-admin')==='1');
      row.hidden=!ok;if(ok)shown++;
    }
    document.getElementById('shown').textContent=shown;document.body.setAttribute('data-shown',shown);
  }
  function sortBy(i,desc){
    var rows=Array.prototype.slice.call(body.rows);
    rows.sort(function(a,b){var x=cellKey(a,i),y=cellKey(b,i);
      var c=x.localeCompare(y,undefined,{numeric:true});return desc?-c:c;});
    rows.forEach(function(r){body.appendChild(r);});
    for(var h=0;h<heads.length;h++)heads[h].className='';
    heads[i].className=desc?'sorted-desc':'sorted-asc';
    document.body.setAttribute('data-sorted',heads[i].getAttribute('data-col')+(desc?':desc':':asc'));
  }
  for(var h=0;h<heads.length;h++)(function(i){heads[i].addEventListener('click',function(){
    sortBy(i,heads[i].className==='sorted-asc');});})(h);
  filter.addEventListener('input',apply);admin.addEventListener('change',apply);
  var q={};location.hash.replace(/^#/,'').split('&').forEach(function(p){var kv=p.split('=');
    if(kv[0])q[decodeURIComponent(kv[0])]=decodeURIComponent(kv[1]||'');});
  if(q.filter)filter.value=q.filter;if(q.admin==='1')admin.checked=true;
  if(q.sort){var s=q.sort.split(':');for(var k=0;k<heads.length;k++)
    if(heads[k].getAttribute('data-col')===s[0])sortBy(k,s[1]==='desc');}
  apply();document.body.setAttribute('data-ready','1');
})();
)JS";

void timelineSvg(std::ostream& out, const std::array<std::array<int, 5>, kTimelineDays>& days,
                 const std::vector<std::string>& labels) {
  int most = 1;
  for (const auto& d : days) most = std::max(most, d[2] + d[3] + d[4] + d[1]);
  const int w = 12, h = 40;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kTimelineDays * w << "\" height=\"" << h
      << "\" role=\"img\">";
  static const char* colours[5] = {"#fff", "#9bd39b", "#6fa8f0", "#f2c94c", "#e06666"};
  for (int d = 0; d < kTimelineDays; ++d) {
    int y = h;
    for (int m = 1; m <= 4; ++m) {
      const int n = days[static_cast<std::size_t>(d)][static_cast<std::size_t>(m)];
      if (n == 0) continue;
      const int bar = std::max(1, n * h / most);
      y -= bar;
      out << "<rect x=\"" << d * w + 1 << "\" y=\"" << y << "\" width=\"" << w - 2 << "\" height=\"" << bar
          << "\" fill=\"" << colours[m] << "\"><title>" << htmlEscape(labels[static_cast<std::size_t>(d)]) << ": "
          << n << (m == 1 ? " compliant" : m == 2 ? " healed" : m == 3 ? " drift" : " failed") << "</title></rect>";
    }
  }
  out << "</svg>";
}

}  // namespace

std::string htmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  forEachChar(text, out, [](std::string& o, char c) {
    switch (c) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&#39;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') o += ' ';
        else o += c;
    }
  });
  return out;
}

void renderFleetHtml(const FleetReport& r, std::ostream& out) {
  const auto fixers = fleetFixers(r);
  int admin = 0, stale = 0, chain = 0, healed = 0;
  for (const auto& pc : r.pcs) {
    admin += pc.needsAdmin;
    stale += pc.stale;
    chain += pc.chain == ChainState::kBroken || pc.chain == ChainState::kDiverged;
    healed += overall(pc) == "healed";
  }
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
         "script-src 'unsafe-inline'; img-src data:\">\n"
      << "<title>Remediator fleet report</title>\n<style>" << kStyle << "</style></head>\n<body>\n"
      << "<h1>Remediator fleet report</h1>\n<p class=\"muted\">" << htmlEscape(r.folder) << " &middot; generated "
      << htmlEscape(r.generated) << " UTC &middot; stale after " << htmlEscape(r.staleAfter) << "</p>\n"
      << "<p class=\"summary\" id=\"summary\"><span><b id=\"count-pcs\">" << r.pcs.size()
      << "</b> PCs</span><span><b id=\"count-admin\">" << admin
      << "</b> need an administrator</span><span><b id=\"count-healed\">" << healed
      << "</b> healed</span><span><b id=\"count-stale\">" << stale << "</b> stale</span><span><b id=\"count-chain\">"
      << chain << "</b> with a broken or diverged audit chain</span></p>\n";
  for (const auto& p : r.problems) out << "<p class=\"s-failed\">" << htmlEscape(p) << "</p>\n";

  out << "<div class=\"controls\"><label>Filter <input type=\"text\" id=\"filter\" placeholder=\"PC, state, fixer...\">"
         "</label> <label><input type=\"checkbox\" id=\"only-admin\"> only PCs that need an administrator</label> "
         "&middot; <span id=\"shown\">"
      << r.pcs.size() << "</span> shown</div>\n";
  out << "<table id=\"pcs\"><thead><tr><th data-col=\"pc\">PC</th><th data-col=\"state\">State</th>"
         "<th data-col=\"last_seen\">Last seen (UTC)</th><th data-col=\"chain\">Audit chain</th>";
  for (const auto& f : fixers) out << "<th data-col=\"fixer-" << htmlEscape(f) << "\">" << htmlEscape(f) << "</th>";
  out << "<th data-col=\"doctor\">Doctor</th><th data-col=\"why\">Needs</th></tr></thead>\n<tbody>\n";
  for (const auto& pc : r.pcs) {
    const std::string state = overall(pc);
    out << "<tr data-pc=\"" << htmlEscape(pc.name) << "\" data-admin=\"" << (pc.needsAdmin ? 1 : 0) << "\">"
        << "<td class=\"pc\">" << htmlEscape(pc.name) << "</td><td class=\"state s-" << state << "\">" << state
        << "</td><td class=\"seen" << (pc.stale ? " s-stale" : "") << "\" data-key=\"" << htmlEscape(pc.lastSeen)
        << "\">" << (pc.lastSeen.empty() ? "never" : htmlEscape(pc.lastSeen)) << (pc.stale ? " (stale)" : "")
        << "</td><td class=\"chain s-" << chainStateName(pc.chain) << "\" title=\"" << htmlEscape(pc.chainDetail)
        << "\">" << chainStateName(pc.chain);
    if (pc.chain != ChainState::kIntact && !pc.chainDetail.empty()) {
      out << "<br><small>" << htmlEscape(pc.chainDetail) << "</small>";
    }
    out << "</td>";
    for (const auto& name : fixers) {
      const FixerView* f = fixerOf(pc, name);
      if (!f) {
        out << "<td class=\"fixer s-none\">-</td>";
        continue;
      }
      out << "<td class=\"fixer s-" << htmlEscape(f->state) << "\" data-fixer=\"" << htmlEscape(name) << "\" title=\""
          << htmlEscape(f->message) << "\">" << htmlEscape(f->state);
      if (f->heals + f->failures > 0) {
        out << " <small>(" << f->heals << " healed, " << f->failures << " failed in 7 days)</small>";
      }
      out << "</td>";
    }
    out << "<td class=\"doctor\">" << htmlEscape(joined(pc.doctorProblems, "; ")) << "</td><td class=\"why\">"
        << htmlEscape(joined(pc.reasons, ", "));
    for (const auto& p : pc.problems) out << "<br><small>" << htmlEscape(p) << "</small>";
    out << "</td></tr>\n";
  }
  out << "</tbody></table>\n";

  out << "<h2>Timeline of the last " << kTimelineDays << " days, per fixer</h2>\n<table id=\"timeline\">"
         "<tr><th>Fixer</th><th>PCs per day: compliant, healed, drift, failed</th></tr>\n";
  for (const auto& [fixer, days] : r.timeline) {
    out << "<tr><td>" << htmlEscape(fixer) << "</td><td>";
    timelineSvg(out, days, r.dayLabels);
    out << "</td></tr>\n";
  }
  out << "</table>\n";

  out << "<h2>Recurring problems (7 days)</h2>\n<table id=\"recurring\"><tr><th>PC</th><th>Fixer</th><th>Healed</th>"
         "<th>Failed</th><th>Last</th></tr>\n";
  for (const auto& x : r.recurring) {
    out << "<tr><td>" << htmlEscape(x.pc) << "</td><td>" << htmlEscape(x.fixer) << "</td><td>" << x.heals
        << "</td><td>" << x.failures << "</td><td>" << htmlEscape(x.lastMessage) << "</td></tr>\n";
  }
  out << "</table>\n";

  out << "<h2>Actions of the last 7 days</h2>\n<p class=\"muted\">" << r.actions.size() << " shown of "
      << r.actionsTotal << "</p>\n<table id=\"actions\"><tr><th>Time (UTC)</th><th>PC</th><th>Fixer</th><th>Event</th>"
         "<th>Outcome</th><th>Message</th></tr>\n";
  for (const auto& a : r.actions) {
    out << "<tr><td>" << htmlEscape(a.time) << "</td><td>" << htmlEscape(a.pc) << "</td><td>" << htmlEscape(a.fixer)
        << "</td><td>" << htmlEscape(a.event) << "</td><td>" << htmlEscape(a.outcome) << "</td><td>"
        << htmlEscape(a.message) << "</td></tr>\n";
  }
  out << "</table>\n<script>" << kScript << "</script>\n</body></html>\n";
}

void renderFleetCsv(const FleetReport& r, std::ostream& out) {
  out << "pc,state,last_seen,stale,chain,chain_detail,needs_admin,reasons,doctor,fixer,fixer_state,mode,heals_7d,"
         "failures_7d,message\n";
  for (const auto& pc : r.pcs) {
    const std::string head = csvField(pc.name) + "," + csvField(overall(pc)) + "," + csvField(pc.lastSeen) + "," +
                             (pc.stale ? "yes" : "no") + "," + chainStateName(pc.chain) + "," +
                             csvField(pc.chainDetail) + "," + (pc.needsAdmin ? "yes" : "no") + "," +
                             csvField(joined(pc.reasons, "; ")) + "," + csvField(joined(pc.doctorProblems, "; "));
    if (pc.fixers.empty()) out << head << ",,,,,,\n";
    for (const auto& f : pc.fixers) {
      out << head << "," << csvField(f.fixer) << "," << csvField(f.state) << "," << csvField(f.mode) << "," << f.heals
          << "," << f.failures << "," << csvField(f.message) << "\n";
    }
  }
}

void renderFleetJson(const FleetReport& r, std::ostream& out) {
  const auto strings = [](const std::vector<std::string>& v) {
    std::string o = "[";
    for (std::size_t i = 0; i < v.size(); ++i) o += (i ? "," : "") + jsonString(v[i]);
    return o + "]";
  };
  out << "{\"folder\":" << jsonString(r.folder) << ",\"generated\":" << jsonString(r.generated)
      << ",\"stale_after\":" << jsonString(r.staleAfter) << ",\"needs_admin\":" << (r.needsAdmin() ? "true" : "false")
      << ",\"problems\":" << strings(r.problems) << ",\n\"pcs\":[";
  for (std::size_t i = 0; i < r.pcs.size(); ++i) {
    const PcView& pc = r.pcs[i];
    out << (i ? ",\n" : "\n") << "{\"pc\":" << jsonString(pc.name) << ",\"state\":" << jsonString(overall(pc))
        << ",\"last_seen\":" << jsonString(pc.lastSeen) << ",\"stale\":" << (pc.stale ? "true" : "false")
        << ",\"chain\":" << jsonString(chainStateName(pc.chain)) << ",\"chain_detail\":" << jsonString(pc.chainDetail)
        << ",\"records\":" << pc.records << ",\"head_seq\":" << pc.headSeq << ",\"unpublished\":" << pc.unpublished
        << ",\"needs_admin\":" << (pc.needsAdmin ? "true" : "false") << ",\"reasons\":" << strings(pc.reasons)
        << ",\"doctor\":" << strings(pc.doctorProblems) << ",\"problems\":" << strings(pc.problems)
        << ",\"fixers\":[";
    for (std::size_t k = 0; k < pc.fixers.size(); ++k) {
      const FixerView& f = pc.fixers[k];
      out << (k ? "," : "") << "{\"fixer\":" << jsonString(f.fixer) << ",\"state\":" << jsonString(f.state)
          << ",\"mode\":" << jsonString(f.mode) << ",\"last_run\":" << jsonString(f.lastRun)
          << ",\"heals_7d\":" << f.heals << ",\"failures_7d\":" << f.failures << ",\"drifts_7d\":" << f.drifts
          << ",\"message\":" << jsonString(f.message) << ",\"days\":[";
      for (int d = 0; d < kTimelineDays; ++d) out << (d ? "," : "") << static_cast<int>(f.days[static_cast<std::size_t>(d)]);
      out << "]}";
    }
    out << "]}";
  }
  out << "\n],\n\"recurring\":[";
  for (std::size_t i = 0; i < r.recurring.size(); ++i) {
    const auto& x = r.recurring[i];
    out << (i ? "," : "") << "{\"pc\":" << jsonString(x.pc) << ",\"fixer\":" << jsonString(x.fixer)
        << ",\"heals\":" << x.heals << ",\"failures\":" << x.failures << ",\"last\":" << jsonString(x.lastMessage)
        << "}";
  }
  out << "],\n\"actions_total\":" << r.actionsTotal << ",\"actions\":[";
  for (std::size_t i = 0; i < r.actions.size(); ++i) {
    const auto& a = r.actions[i];
    out << (i ? ",\n" : "\n") << "{\"time\":" << jsonString(a.time) << ",\"pc\":" << jsonString(a.pc)
        << ",\"fixer\":" << jsonString(a.fixer) << ",\"event\":" << jsonString(a.event)
        << ",\"outcome\":" << jsonString(a.outcome) << ",\"message\":" << jsonString(a.message) << "}";
  }
  out << "],\n\"days\":" << strings(r.dayLabels) << ",\"timeline\":{";
  bool first = true;
  for (const auto& [fixer, days] : r.timeline) {
    out << (first ? "" : ",") << jsonString(fixer) << ":[";
    first = false;
    for (int d = 0; d < kTimelineDays; ++d) {
      const auto& c = days[static_cast<std::size_t>(d)];
      out << (d ? "," : "") << "{\"compliant\":" << c[1] << ",\"healed\":" << c[2] << ",\"drift\":" << c[3]
          << ",\"failed\":" << c[4] << "}";
    }
    out << "]";
  }
  out << "}}\n";
}

}  // namespace remediator::service
