// registry.cpp: every MTA scanner, in the order they are tried. Order matters only where two
// scanners could claim the same message: specific formats come before generic ones.
#include "scanner.hpp"

namespace bounced {

// One declaration per scanner (defined in lib/scanners/<name>.cpp).
// Provider / appliance formats (scanB): each keyed on its own headers or fixed wording.
std::optional<ScanResult> scan_amazonses(const ScanInput&);
std::optional<ScanResult> scan_amazonworkmail(const ScanInput&);
std::optional<ScanResult> scan_googlegroups(const ScanInput&);
std::optional<ScanResult> scan_gmail(const ScanInput&);
std::optional<ScanResult> scan_yahoo(const ScanInput&);
std::optional<ScanResult> scan_zoho(const ScanInput&);
std::optional<ScanResult> scan_imailserver(const ScanInput&);
std::optional<ScanResult> scan_gmx(const ScanInput&);
std::optional<ScanResult> scan_einsundeins(const ScanInput&);
std::optional<ScanResult> scan_mfilter(const ScanInput&);
std::optional<ScanResult> scan_notes(const ScanInput&);
std::optional<ScanResult> scan_domino(const ScanInput&);
std::optional<ScanResult> scan_interscanmss(const ScanInput&);
std::optional<ScanResult> scan_mailfoundry(const ScanInput&);
std::optional<ScanResult> scan_fml(const ScanInput&);
std::optional<ScanResult> scan_verizon(const ScanInput&);
std::optional<ScanResult> scan_apachejames(const ScanInput&);
std::optional<ScanResult> scan_mailmarshalsmtp(const ScanInput&);
std::optional<ScanResult> scan_ezweb(const ScanInput&);
std::optional<ScanResult> scan_kddi(const ScanInput&);
std::optional<ScanResult> scan_biglobe(const ScanInput&);
std::optional<ScanResult> scan_x1(const ScanInput&);
std::optional<ScanResult> scan_x2(const ScanInput&);
std::optional<ScanResult> scan_x3(const ScanInput&);
std::optional<ScanResult> scan_x5(const ScanInput&);
std::optional<ScanResult> scan_x6(const ScanInput&);
std::optional<ScanResult> scan_x4(const ScanInput&);
std::optional<ScanResult> scan_courier(const ScanInput&);
std::optional<ScanResult> scan_messagingserver(const ScanInput&);
std::optional<ScanResult> scan_activehunter(const ScanInput&);
std::optional<ScanResult> scan_facebook(const ScanInput&);
std::optional<ScanResult> scan_bigfoot(const ScanInput&);
std::optional<ScanResult> scan_mcafee(const ScanInput&);
std::optional<ScanResult> scan_amavis(const ScanInput&);
std::optional<ScanResult> scan_messagelabs(const ScanInput&);
std::optional<ScanResult> scan_outlook(const ScanInput&);
// Generic MTAs (scanA).
std::optional<ScanResult> scan_postfix(const ScanInput&);
std::optional<ScanResult> scan_sendmail(const ScanInput&);
std::optional<ScanResult> scan_exim(const ScanInput&);
std::optional<ScanResult> scan_qmail(const ScanInput&);
std::optional<ScanResult> scan_exchange(const ScanInput&);
std::optional<ScanResult> scan_opensmtpd(const ScanInput&);
std::optional<ScanResult> scan_dragonfly(const ScanInput&);
// Last resort: short plain-text notices with a recognisable "failed address" line.
std::optional<ScanResult> scan_plaintext(const ScanInput&);

const std::vector<Scanner>& scanner_registry() {
  static const std::vector<Scanner> registry = {
      // Provider / appliance formats first: they are specific and would otherwise be claimed by the
      // generic MTA they run on (Yahoo's qmail-like text, ...).
      {"amazonses", scan_amazonses},
      {"amazonworkmail", scan_amazonworkmail},
      {"googlegroups", scan_googlegroups},
      {"gmail", scan_gmail},
      {"yahoo", scan_yahoo},
      {"zoho", scan_zoho},
      {"imailserver", scan_imailserver},
      {"gmx", scan_gmx},
      {"einsundeins", scan_einsundeins},
      {"mfilter", scan_mfilter},
      {"notes", scan_notes},
      {"domino", scan_domino},
      {"interscanmss", scan_interscanmss},
      {"mailfoundry", scan_mailfoundry},
      {"fml", scan_fml},
      {"verizon", scan_verizon},
      {"apachejames", scan_apachejames},
      {"mailmarshalsmtp", scan_mailmarshalsmtp},
      {"ezweb", scan_ezweb},
      {"kddi", scan_kddi},
      {"biglobe", scan_biglobe},
      {"x1", scan_x1},
      {"x2", scan_x2},
      {"x3", scan_x3},
      {"x5", scan_x5},
      {"x6", scan_x6},
      {"x4", scan_x4},
      {"courier", scan_courier},
      {"messagingserver", scan_messagingserver},
      {"activehunter", scan_activehunter},
      {"facebook", scan_facebook},
      {"bigfoot", scan_bigfoot},
      {"mcafee", scan_mcafee},
      {"amavis", scan_amavis},
      {"messagelabs", scan_messagelabs},
      {"outlook", scan_outlook},
      // Generic MTAs. Those with one unmistakable banner first.
      {"opensmtpd", scan_opensmtpd},
      {"dragonfly", scan_dragonfly},
      {"postfix", scan_postfix},
      {"sendmail", scan_sendmail},
      {"exim", scan_exim},
      {"qmail", scan_qmail},
      {"exchange", scan_exchange},
      {"plaintext", scan_plaintext},
  };
  return registry;
}

}  // namespace bounced
