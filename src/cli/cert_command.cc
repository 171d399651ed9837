// tgate cert self-signed --host <ip or name> [--out DIR] [--days N]: writes
// key.pem (0600, for the TLS proxy only) and cert.pem (the public half: the
// proxy's ssl_certificate, and what `webhook_certificate` uploads with
// setWebhook) into DIR, the current folder by default. Never overwrites: a
// key already there may be the one the proxy serves with.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/common.h"
#include "webhook/self_signed_cert.h"

namespace tgate::cli {
namespace {

namespace fs = std::filesystem;

struct CertOptions {
  std::string host;
  std::string out = ".";
  int days = 365;
};

// Creates `path` with `mode` (O_EXCL: never over an existing file) and writes
// `data`. On failure the half-written file is removed.
Status WriteNewFile(const fs::path& path, const std::string& data, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Status::InvalidArgument("cannot create " + path.string() + ": " + std::strerror(errno));
  // The umask may have removed bits but never adds any; fchmod makes the mode exact.
  bool ok = ::fchmod(fd, mode) == 0;
  for (size_t done = 0; ok && done < data.size();) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ::fsync(fd) == 0 && ok;
  const int saved = errno;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(path.c_str());
    return Status::Internal("cannot write " + path.string() + ": " + std::strerror(saved));
  }
  return Status::Ok();
}

int RunSelfSigned(const CertOptions& o) {
  const fs::path dir(o.out);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Fail("--out " + o.out + " is not a folder; create it first");
  const fs::path cert_path = dir / "cert.pem";
  const fs::path key_path = dir / "key.pem";
  for (const fs::path& p : {cert_path, key_path}) {
    if (fs::exists(fs::symlink_status(p, ec))) {
      return Fail(p.string() +
                  " already exists; nothing was written. Move it away (the proxy may be using it) "
                  "or pass --out with another folder");
    }
  }
  auto pem = webhook::MakeSelfSignedCert({o.host, o.days});
  if (!pem.ok()) return Fail(pem.status().message());
  if (Status s = WriteNewFile(key_path, pem->private_key, 0600); !s.ok()) return Fail(s.message());
  if (Status s = WriteNewFile(cert_path, pem->certificate, 0644); !s.ok()) {
    ::unlink(key_path.c_str());
    return Fail(s.message());
  }
  std::cout
      << "wrote " << key_path.string() << " (private key, mode 0600: only the TLS proxy reads it)\n"
      << "wrote " << cert_path.string() << " (certificate for " << o.host << ", valid " << o.days
      << " days)\n"
      << "next: point the proxy's ssl_certificate/ssl_certificate_key at them (deploy/README.md) and set\n"
      << "  webhook_certificate = \"" << fs::absolute(cert_path).lexically_normal().string()
      << "\"   (TGATE_WEBHOOK_CERTIFICATE)\n"
      << "so tgate uploads the certificate with setWebhook; public_url must use https://" << o.host
      << "[:port] (443, 80, 88 or 8443).\n";
  return 0;
}

}  // namespace

void AddCertCommand(CLI::App& app, Globals& /*g*/) {
  CLI::App* cmd = app.add_subcommand("cert", "Make TLS certificates for the proxy in front of tgate");
  cmd->require_subcommand(1);
  static CertOptions o;
  CLI::App* ss = cmd->add_subcommand(
      "self-signed",
      "Write key.pem (0600) and a self-signed cert.pem for --host, as Telegram accepts for a webhook");
  ss->add_option("--host", o.host, "The webhook's IP address or DNS name (as in public_url)")->required();
  ss->add_option("--out", o.out, "Folder to write into (default: the current folder)");
  ss->add_option("--days", o.days, "Validity in days, 1-3650 (default 365)");
  ss->callback([] { ExitWith(RunSelfSigned(o)); });
}

}  // namespace tgate::cli
