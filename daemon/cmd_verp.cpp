// cmd_verp.cpp: `bounced verp encode|decode` — the sending side builds VERP envelope senders (signed
// when a secret is given), and anyone can check what bounced will read from an envelope recipient.
// The secret is read from a file, never from the command line (argv is visible to other users).
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>

#include "commands.hpp"
#include "hygiene_cli.hpp"
#include "json.hpp"
#include "text.hpp"
#include "verp.hpp"

namespace bounced::cli {
namespace {

constexpr std::size_t kMaxSecretBytes = 4096;

void print_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: bounced verp encode ADDRESS --host HOST [--list LIST] [--secret-file FILE] [SCHEME...]\n"
               "       bounced verp decode ADDRESS [--secret-file FILE] [--json] [SCHEME...]\n"
               "  encode  print the envelope sender that carries ADDRESS (and LIST, and a signature\n"
               "          tag when a secret is given) back to HOST\n"
               "  decode  print the subscriber, list and signature state read from an envelope\n"
               "          recipient; exit 0 when it decodes with no invalid signature, else 1\n"
               "scheme options (defaults: the Postfix/Mailman form bounces+local=domain@host):\n"
               "  --prefix P                 local-part prefix (bounces)\n"
               "  --separator C              between prefix, list, address and tag (+)\n"
               "  --equals C                 replaces the subscriber's '@' (=)\n"
               "  --list-placement before-prefix|field\n"
               "                             LIST-bounces+... (default) or bounces+LIST+...\n"
               "  --list-joiner C            between LIST and prefix for before-prefix (-)\n"
               "  --tag-length N             signature tag characters (10)\n"
               "  --tag-encoding base32|hex  signature tag alphabet (base32)\n"
               "  --accept-host H            decode: accept only this return-path host (repeatable)\n");
}

bool read_secret(const std::string& path, std::string& secret) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "bounced verp: cannot read secret file %s\n", path.c_str());
    return false;
  }
  std::string data;
  data.resize(kMaxSecretBytes + 1);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > kMaxSecretBytes) {
    std::fprintf(stderr, "bounced verp: secret file %s is larger than %zu bytes\n", path.c_str(), kMaxSecretBytes);
    return false;
  }
  while (!data.empty() && (data.back() == '\n' || data.back() == '\r')) data.pop_back();
  if (data.empty()) {
    std::fprintf(stderr, "bounced verp: secret file %s is empty\n", path.c_str());
    return false;
  }
  secret = std::move(data);
  return true;
}

bool one_char(const std::optional<std::string>& v, char& out, const char* what) {
  if (!v || v->size() != 1) {
    std::fprintf(stderr, "bounced verp: %s takes one character\n", what);
    return false;
  }
  out = (*v)[0];
  return true;
}

}  // namespace

int cmd_verp(int argc, char** argv) {
  if (argc < 2) {
    print_usage(stderr);
    return 2;
  }
  const std::string_view action = argv[1];
  if (action == "--help" || action == "-h" || action == "help") {
    print_usage(stdout);
    return 0;
  }
  if (action != "encode" && action != "decode") {
    std::fprintf(stderr, "bounced verp: unknown action '%s'\n", argv[1]);
    print_usage(stderr);
    return 2;
  }
  VerpScheme scheme;
  VerpSigning signing;
  std::string address, host, list, secret_file;
  bool json = false, have_list = false;
  for (ArgReader a(argc, argv, 2); !a.done();) {
    if (a.current() == "--help" || a.current() == "-h") {
      print_usage(stdout);
      return 0;
    } else if (a.current() == "--json") {
      json = true;
      a.next();
    } else if (a.is("--host")) {
      host = a.value().value_or("");
    } else if (a.is("--list")) {
      list = a.value().value_or("");
      have_list = true;
    } else if (a.is("--secret-file")) {
      secret_file = a.value().value_or("");
    } else if (a.is("--prefix")) {
      scheme.prefix = a.value().value_or("");
    } else if (a.is("--separator")) {
      if (!one_char(a.value(), scheme.separator, "--separator")) return 2;
    } else if (a.is("--equals")) {
      if (!one_char(a.value(), scheme.equals, "--equals")) return 2;
    } else if (a.is("--list-joiner")) {
      if (!one_char(a.value(), scheme.list_joiner, "--list-joiner")) return 2;
    } else if (a.is("--list-placement")) {
      const auto v = a.value().value_or("");
      if (v == "before-prefix") scheme.list_placement = VerpListPlacement::before_prefix;
      else if (v == "field") scheme.list_placement = VerpListPlacement::field;
      else {
        std::fprintf(stderr, "bounced verp: --list-placement is before-prefix or field\n");
        return 2;
      }
    } else if (a.is("--tag-length")) {
      const auto v = a.value().value_or("");
      try {
        signing.tag_length = static_cast<std::size_t>(std::stoul(v));
      } catch (...) {
        std::fprintf(stderr, "bounced verp: --tag-length takes a number\n");
        return 2;
      }
    } else if (a.is("--tag-encoding")) {
      const auto v = a.value().value_or("");
      if (v == "base32") signing.encoding = VerpTagEncoding::base32;
      else if (v == "hex") signing.encoding = VerpTagEncoding::hex;
      else {
        std::fprintf(stderr, "bounced verp: --tag-encoding is base32 or hex\n");
        return 2;
      }
    } else if (a.is("--accept-host")) {
      scheme.hosts.push_back(a.value().value_or(""));
    } else if (a.current().size() > 1 && a.current()[0] == '-') {
      std::fprintf(stderr, "bounced verp: unknown option '%s'\n", std::string(a.current()).c_str());
      print_usage(stderr);
      return 2;
    } else if (address.empty()) {
      address = a.current();
      a.next();
    } else {
      std::fprintf(stderr, "bounced verp: one ADDRESS only\n");
      return 2;
    }
  }
  if (address.empty()) {
    std::fprintf(stderr, "bounced verp %s: no ADDRESS given\n", std::string(action).c_str());
    return 2;
  }
  if (!secret_file.empty() && !read_secret(secret_file, signing.secret)) return 1;
  for (const auto& error : {validate(scheme), validate(signing)}) {
    if (!error.empty()) {
      std::fprintf(stderr, "bounced verp: %s\n", error.c_str());
      return 2;
    }
  }

  if (action == "encode") {
    if (host.empty()) {
      std::fprintf(stderr, "bounced verp encode: --host HOST is required (the return-path domain)\n");
      return 2;
    }
    if (have_list && list.empty()) {
      std::fprintf(stderr, "bounced verp encode: --list needs a name\n");
      return 2;
    }
    const auto e = verp_encode(scheme, signing, address, list, host);
    if (!e.ok()) {
      std::fprintf(stderr, "bounced verp encode: %s\n", e.error.c_str());
      return 1;
    }
    std::printf("%s\n", e.address.c_str());
    return 0;
  }

  const auto d = verp_decode(scheme, signing, address);
  if (json) {
    std::string o = "{\"status\": ";
    append_json_string(o, to_string(d.status));
    o += ", \"subscriber\": ";
    append_json_string(o, d.subscriber);
    o += ", \"list\": ";
    append_json_string(o, d.list);
    o += ", \"tag\": ";
    append_json_string(o, d.tag);
    o += ", \"signature\": ";
    append_json_string(o, to_string(d.signature));
    o += ", \"error\": ";
    append_json_string(o, d.error);
    o += "}";
    std::printf("%s\n", o.c_str());
  } else {
    std::printf("status:     %s%s%s\n", to_string(d.status), d.error.empty() ? "" : " - ", d.error.c_str());
    if (d.ok()) {
      std::printf("subscriber: %s\n", d.subscriber.c_str());
      std::printf("list:       %s\n", d.list.empty() ? "-" : d.list.c_str());
      std::printf("signature:  %s%s\n", to_string(d.signature),
                  d.signature == VerpSignature::absent && !d.tag.empty() ? " (tag present; no secret to check it)"
                                                                          : "");
    }
  }
  return d.ok() && d.signature != VerpSignature::invalid ? 0 : 1;
}

}  // namespace bounced::cli
