#include "service/oplog.h"

#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_file_backend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_logger.hpp>
#include <boost/log/support/date_time.hpp>
#include <boost/log/utility/setup/common_attributes.hpp>
#include <boost/core/null_deleter.hpp>

#include <atomic>
#include <iostream>
#include <mutex>

namespace remediator::service {

namespace logging = boost::log;
namespace sinks = boost::log::sinks;
namespace expr = boost::log::expressions;

namespace {

std::atomic<int> gLevel{static_cast<int>(LogLevel::kInfo)};
std::once_flag gAttributes;

const char* levelName(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

}  // namespace

// Found by argument-dependent lookup when Boost.Log formats the severity.
std::ostream& operator<<(std::ostream& out, LogLevel level) { return out << levelName(level); }

namespace {

BOOST_LOG_ATTRIBUTE_KEYWORD(severity, "Severity", LogLevel)

logging::formatter lineFormat() {
  return expr::stream << expr::format_date_time<boost::posix_time::ptime>("TimeStamp", "%Y-%m-%d %H:%M:%S.%f")
                      << " " << severity << " " << expr::smessage;
}

}  // namespace

LogLevel parseLogLevel(const std::string& name) {
  for (auto level : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (name == levelName(level)) return level;
  }
  return LogLevel::kInfo;
}

void initOperationalLog(LogLevel level, const std::filesystem::path& dir, bool console) {
  std::call_once(gAttributes, [] { logging::add_common_attributes(); });
  auto core = logging::core::get();
  core->remove_all_sinks();
  setLogLevel(level);
  if (console) {
    auto backend = boost::make_shared<sinks::text_ostream_backend>();
    backend->add_stream(boost::shared_ptr<std::ostream>(&std::clog, boost::null_deleter()));
    backend->auto_flush(true);
    auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_ostream_backend>>(backend);
    sink->set_formatter(lineFormat());
    core->add_sink(sink);
  }
  if (!dir.empty()) {
    auto backend = boost::make_shared<sinks::text_file_backend>(
        logging::keywords::file_name = (dir / "remediator.log").string(),
        logging::keywords::target_file_name = (dir / "remediator.%N.log").string(),
        logging::keywords::rotation_size = 1 << 20, logging::keywords::open_mode = std::ios::app);
    backend->set_file_collector(sinks::file::make_collector(logging::keywords::target = (dir / "oplog").string(),
                                                            logging::keywords::max_files = 5));
    backend->auto_flush(true);
    auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_file_backend>>(backend);
    sink->set_formatter(lineFormat());
    core->add_sink(sink);
  }
}

void closeOperationalLog() {
  auto core = logging::core::get();
  core->flush();
  core->remove_all_sinks();
}

void setLogLevel(LogLevel level) {
  gLevel = static_cast<int>(level);
  logging::core::get()->set_filter(severity >= level);
}

void logLine(LogLevel level, const std::string& message) {
  if (static_cast<int>(level) < gLevel.load()) return;
  static thread_local logging::sources::severity_logger<LogLevel> logger;
  BOOST_LOG_SEV(logger, level) << message;
}

}  // namespace remediator::service
