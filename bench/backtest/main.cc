// Backtest benchmark (not a test; run by hand or via `make bench`): `vigil policy backtest` over
// --items stored content items (default 1,000,000), each flagged, a --decided share of them
// decided by people through the API (POST /v1/decisions:bulk), with the starter spam-and-scams
// policy (seeded by `vigil init`), a scam phrase list, a domain block list and a fastText model trained on
// examples/classifier in the data directory, so every item is re-analysed (normalization, lists,
// URLs, language, classifier) and walked through the policy twice (the version and the one in
// force). Target: 1,000,000 items in <= 30 s. Prints the figures and a final JSON line.
//
// Options: --items N (1000000), --decided F (0.3), --threads N (2), --keep.
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "support/test_support.h"

namespace {

namespace vt = vigil::testing;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Short posts (about 280 bytes once filled) in five languages: scams, spam and ordinary posts.
struct Template {
  const char* lang;
  const char* cls;  // scam, spam, benign
  const char* text;
};
const Template kTemplates[] = {
    {"en", "scam", "Congratulations {n}! You have been selected for our crypto giveaway. Send 0.1 BTC to the wallet in my profile and double your crypto within 24 hours, guaranteed by our team. Claim your prize now at https://claim.{d}/win before the offer ends tonight!"},
    {"en", "scam", "URGENT: your account {n} will be suspended. Verify your login details at https://secure-login.{d}/verify within 2 hours or lose access forever. This is the official support team, do not ignore this message, reply with your code."},
    {"de", "scam", "Herzlichen Glückwunsch {n}! Sie haben ein iPhone gewonnen. Zahlen Sie nur die Versandkosten von 2 Euro auf https://gewinn.{d}/jetzt und erhalten Sie Ihr Geschenk morgen. Angebot nur heute gültig, schnell sein lohnt sich wirklich!"},
    {"fr", "scam", "Bravo {n} ! Vous avez gagné une carte cadeau de 500 euros. Confirmez vos coordonnées bancaires sur https://cadeau.{d}/confirmer pour recevoir votre gain immédiatement. Attention, l'offre expire dans une heure seulement."},
    {"en", "spam", "Buy cheap followers now {n}! 10k real followers for only $5, instant delivery, no password needed. Best prices on the internet, check https://bit.ly/{n} and tell your friends, limited offer, DM me for bulk discounts today."},
    {"es", "spam", "Compra seguidores baratos {n}, entrega instantánea y garantizada. Más likes para tu canal por solo 3 euros, visita https://tinyurl.com/{n} y aprovecha el descuento de hoy, escríbeme por privado para paquetes grandes."},
    {"pl", "spam", "Tanie polubienia i obserwujący {n}! Szybka dostawa, gwarancja zadowolenia, najlepsze ceny w sieci. Wejdź na https://bit.ly/{n} i zamów już teraz, promocja tylko do końca tygodnia, pisz prywatnie po rabat."},
    {"en", "benign", "Had a lovely walk along the river this morning with {n}, the trees are finally turning gold and the café by the bridge has reopened. Their cinnamon rolls are as good as ever, highly recommend stopping by if you are in town this weekend."},
    {"de", "benign", "Der Zug hatte heute wieder zwanzig Minuten Verspätung, {n} und ich haben die Zeit mit einem guten Buch überbrückt. Kennt jemand gute Krimis aus Skandinavien? Ich suche Empfehlungen für den Urlaub im nächsten Monat, danke euch!"},
    {"fr", "benign", "Petite recette du dimanche avec {n} : une tarte aux pommes toute simple, de la pâte brisée maison, quatre pommes, un peu de cannelle et de sucre. Trente minutes au four et c'est prêt, toute la famille a adoré, je vous la conseille."},
    {"es", "benign", "Ayer fuimos con {n} al concierto en el parque y fue increíble, la banda tocó durante casi tres horas y el ambiente era muy familiar. Ojalá repitan el evento el próximo verano, ya estamos contando los días para volver."},
    {"pl", "benign", "Dzisiaj z {n} upiekliśmy chleb na zakwasie pierwszy raz i wyszedł całkiem dobrze, chociaż skórka mogła być bardziej chrupiąca. Macie jakieś sprawdzone rady dotyczące temperatury pieczenia? Chętnie spróbujemy jeszcze raz."},
};

std::string Fill(const char* t, const std::string& n, const std::string& d) {
  std::string out;
  for (const char* p = t; *p; ++p) {
    if (p[0] == '{' && p[1] == 'n' && p[2] == '}') out += n, p += 2;
    else if (p[0] == '{' && p[1] == 'd' && p[2] == '}') out += d, p += 2;
    else out += *p;
  }
  return out;
}

struct Options {
  int64_t items = 1000000;
  double decided = 0.3;
  int threads = 2;
  bool keep = false;
};

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

// Each item flagged once (a fifth twice), reasons scam or spam, received over the last 20 days;
// the class is in the content id (bt-<i>-<class>) for the decisions.
void WriteFlags(const std::string& path, int64_t items) {
  std::ofstream out(path, std::ios::binary);
  std::mt19937_64 rng(7);
  vigil::Millis now = vigil::SystemClock::Instance().Now();
  std::string buf;
  const char* blocked[] = {"scam-prizes.example", "free-gifts.example"};
  for (int64_t i = 0; i < items; ++i) {
    const Template& t = kTemplates[rng() % std::size(kTemplates)];
    std::string id = "bt-" + std::to_string(i) + "-" + t.cls;
    std::string domain = rng() % 4 == 0 ? blocked[rng() % 2] : "news-site.example";
    json flag = {{"content",
                  {{"id", id},
                   {"type", "text"},
                   {"text", Fill(t.text, "user" + std::to_string(rng() % 100000), domain)},
                   {"language", t.lang},
                   {"author", {{"id", "acct-" + std::to_string(rng() % 200000)}}}}},
                 {"reason", std::string(t.cls) == "spam" ? "spam" : "scam"},
                 {"source", "user"},
                 {"reporter", {{"id", "rep-" + std::to_string(rng() % 50000)}}},
                 {"received_at", vigil::FormatIso8601(now - 60'000 - static_cast<vigil::Millis>(rng() % (20LL * 86'400'000)))}};
    buf += flag.dump() + "\n";
    if (rng() % 5 == 0) {
      flag.erase("content");
      flag["content_id"] = id;
      flag["reporter"]["id"] = "rep-" + std::to_string(rng() % 50000);
      buf += flag.dump() + "\n";
    }
    if (buf.size() > (1 << 20)) out << buf, buf.clear();
  }
  out << buf;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
}

// People decide a share of the cases: scams and spam removed, ordinary posts kept, with 5% of
// decisions the other way (people disagree with each other too).
int64_t DecideShare(const std::string& data, int port, const std::string& token, double share) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2((data + "/vigil.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK)
    throw std::runtime_error("cannot open vigil.db");
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db,
                     "SELECT c.id, c.version, ct.platform_id FROM cases c JOIN content ct ON "
                     "ct.id = c.content_id ORDER BY c.id",
                     -1, &st, nullptr);
  std::mt19937_64 rng(11);
  json remove = json::array(), keep = json::array();
  int64_t decided = 0;
  vt::HttpClient client(port);
  client.set_token(token);
  client.set_timeout(std::chrono::minutes(5));
  auto flush = [&](json& batch, const char* action) {
    if (batch.empty()) return;
    auto r = client.PostJson("/v1/decisions:bulk", {{"cases", batch}, {"actions", {action}}});
    if (r.status != 200) throw std::runtime_error("bulk decision: " + std::to_string(r.status) + " " + r.body.substr(0, 300));
    json body = r.json();
    for (const auto& res : body["results"])
      if (res["status"] == 201) ++decided;
    batch = json::array();
  };
  while (sqlite3_step(st) == SQLITE_ROW) {
    if (static_cast<double>(rng() % 10000) / 10000.0 >= share) continue;
    std::string content = reinterpret_cast<const char*>(sqlite3_column_text(st, 2));
    bool violating = content.find("-benign") == std::string::npos;
    if (rng() % 20 == 0) violating = !violating;
    json target = {{"id", sqlite3_column_int64(st, 0)}, {"case_version", sqlite3_column_int64(st, 1)}};
    (violating ? remove : keep).push_back(target);
    if (remove.size() == 1000) flush(remove, "remove");
    if (keep.size() == 1000) flush(keep, "no_violation");
  }
  flush(remove, "remove");
  flush(keep, "no_violation");
  sqlite3_finalize(st);
  sqlite3_close(db);
  return decided;
}

int Main(const Options& opt) {
  if (opt.keep) setenv("VIGIL_KEEP_TMP", "1", 1);
  vt::TempDir tmp("vigil-bench-backtest");
  if (opt.keep) tmp.set_keep(true);
  std::string data = tmp.Join("data");
  vt::InitDataDir(data);
  std::cout << "bench_backtest: binary " << vt::BinaryPath() << ", dir " << tmp.path() << std::endl;
  // `vigil init` seeded the starter policies (spam_scams among them). Automation stays off so
  // the decisions below are people's only.
  std::filesystem::create_directories(data + "/lists");
  std::ofstream(data + "/vigil.yaml", std::ios::app) << "\nautomation:\n  enabled: false\n";
  WriteFile(data + "/lists/scam-phrases.list",
            "@category scam\n@severity 4\ncrypto giveaway\ndouble your crypto\nclaim your prize\n"
            "verify your login\nyou have been selected\nsie haben ein iphone gewonnen\n"
            "vous avez gagné\ncoordonnées bancaires\n");
  WriteFile(data + "/lists/blocked-domains.list",
            "@kind domains\n@action block\nscam-prizes.example\nfree-gifts.example\n");
  std::string out;
  if (vt::RunVigil({"classifier", "train", "--data", data, "--examples",
                    std::string(VIGIL_SOURCE_DIR) + "/examples/classifier/train.ndjson", "--name", "abuse"},
                   &out) != 0)
    throw std::runtime_error("vigil classifier train failed: " + out);

  std::string flags = tmp.Join("flags.ndjson");
  auto t0 = Clock::now();
  WriteFlags(flags, opt.items);
  std::printf("generated flags for %lld items in %.1f s\n", static_cast<long long>(opt.items), Since(t0));
  t0 = Clock::now();
  if (vt::RunVigil({"import", "--data", data, "--file", flags}, &out) != 0)
    throw std::runtime_error("vigil import failed: " + out.substr(0, 2000));
  std::printf("imported in %.1f s\n", Since(t0));
  std::filesystem::remove(flags);

  if (vt::RunVigil({"user", "add", "--data", data, "--name", "senior", "--role", "senior"}, &out) != 0)
    throw std::runtime_error("vigil user add failed");
  if (vt::RunVigil({"token", "create", "--data", data, "--user", "senior"}, &out) != 0)
    throw std::runtime_error("vigil token create failed");
  std::string token = out.substr(0, out.find('\n'));
  int64_t decided = 0;
  {
    vt::ServerProcess server;
    if (auto started = server.Start(data, {}, std::chrono::minutes(5)); !started)
      throw std::runtime_error(std::string("server did not start: ") + started.message());
    t0 = Clock::now();
    decided = DecideShare(data, server.port(), token, opt.decided);
    std::printf("people decided %lld cases through POST /v1/decisions:bulk in %.1f s\n",
                static_cast<long long>(decided), Since(t0));
  }

  t0 = Clock::now();
  if (vt::RunVigil({"policy", "backtest", "--data", data, "--policy", "spam_scams", "--since", "30d",
                    "--json", "--threads", std::to_string(opt.threads)},
                   &out) != 0)
    throw std::runtime_error("vigil policy backtest failed: " + out.substr(0, 2000));
  double wall = Since(t0);
  json report = json::parse(out.substr(out.find('{')));
  double inner = report["seconds"];
  int64_t n = report["cases_applicable"];
  std::printf("backtest: %lld cases read, %lld replayed, %lld decided by people\n",
              static_cast<long long>(report["cases_scanned"].get<int64_t>()), static_cast<long long>(n),
              static_cast<long long>(report["human_decided"].get<int64_t>()));
  std::printf("  %.1f s in the backtest (%.0f items/s), %.1f s for the whole command; target <= 30 s "
              "for 1,000,000 items\n",
              inner, static_cast<double>(n) / inner, wall);
  std::printf("  coverage %.3f, agreement %.3f\n", report["coverage"].get<double>(),
              report["agreement"].get<double>());
  json line = {{"bench", "backtest"},          {"items", opt.items},     {"decided", decided},
               {"replayed", n},                {"backtest_s", inner},    {"command_s", wall},
               {"items_per_s", n / inner},     {"threads", opt.threads}, {"coverage", report["coverage"]},
               {"agreement", report["agreement"]}};
  std::cout << line.dump() << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--items") opt.items = std::atoll(next());
    else if (a == "--decided") opt.decided = std::atof(next());
    else if (a == "--threads") opt.threads = std::atoi(next());
    else if (a == "--keep") opt.keep = true;
    else {
      std::cerr << "usage: bench_backtest [--items N] [--decided F] [--threads N] [--keep]\n";
      return 2;
    }
  }
  if (opt.items < 1 || opt.decided < 0 || opt.decided > 1 || opt.threads < 1) {
    std::cerr << "bench_backtest: --items >= 1, --decided in 0..1, --threads >= 1\n";
    return 2;
  }
  try {
    return Main(opt);
  } catch (const std::exception& e) {
    std::cerr << "bench_backtest: " << e.what() << "\n";
    return 1;
  }
}
