// libcleave_nats.so (runtime/events/detail/nats_library.hpp): the JetStream client of
// nats_client.hpp over the NATS C client. The only code of cleave that calls libnats; the runtime
// loads it on the first nats_connection::connect.
#include <nats/nats.h>

#include <climits>
#include <mutex>

#include "runtime/core/error.hpp"
#include "runtime/events/detail/nats_client.hpp"
#include "runtime/events/detail/nats_library.hpp"

namespace cleave::detail {

namespace {

using std::chrono::milliseconds;

// -- owning handles of the C client's objects -----------------------------------------------------

struct options_deleter {
  void operator()(natsOptions* p) const { natsOptions_Destroy(p); }
};
struct connection_deleter {
  void operator()(natsConnection* p) const { natsConnection_Destroy(p); }
};
struct js_deleter {
  void operator()(jsCtx* p) const { jsCtx_Destroy(p); }
};
struct subscription_deleter {
  // Destroy, not Unsubscribe: since libnats 3.4.0 only Unsubscribe/Drain delete a consumer, and
  // ours are bound (jsSubOptions.Consumer), which the library never deletes anyway.
  void operator()(natsSubscription* p) const { natsSubscription_Destroy(p); }
};
struct msg_deleter {
  void operator()(natsMsg* p) const { natsMsg_Destroy(p); }
};
struct pub_ack_deleter {
  void operator()(jsPubAck* p) const { jsPubAck_Destroy(p); }
};
struct stream_info_deleter {
  void operator()(jsStreamInfo* p) const { jsStreamInfo_Destroy(p); }
};
struct consumer_info_deleter {
  void operator()(jsConsumerInfo* p) const { jsConsumerInfo_Destroy(p); }
};
struct meta_deleter {
  void operator()(jsMsgMetaData* p) const { jsMsgMetaData_Destroy(p); }
};

using options_ptr = std::unique_ptr<natsOptions, options_deleter>;
using connection_ptr = std::unique_ptr<natsConnection, connection_deleter>;
using js_ptr = std::unique_ptr<jsCtx, js_deleter>;
using subscription_ptr = std::unique_ptr<natsSubscription, subscription_deleter>;
using msg_ptr = std::unique_ptr<natsMsg, msg_deleter>;
using pub_ack_ptr = std::unique_ptr<jsPubAck, pub_ack_deleter>;
using stream_info_ptr = std::unique_ptr<jsStreamInfo, stream_info_deleter>;
using consumer_info_ptr = std::unique_ptr<jsConsumerInfo, consumer_info_deleter>;
using meta_ptr = std::unique_ptr<jsMsgMetaData, meta_deleter>;

// -- settings and errors --------------------------------------------------------------------------

constexpr int64_t ns_per_ms = 1'000'000;
// What the server's own default would be too; explicit so that an update keeps it.
constexpr int64_t dedup_window_ns = 120'000 * ns_per_ms;

void open_library() {
  static std::once_flag once;
  // Default spin count; nats_Close is never called: the library's threads live as long as the
  // process, and a connection may be destroyed from a static destructor.
  std::call_once(once, [] { nats_Open(-1); });
}

/// The C client's text for the failure `s` of the call just made on this thread: its thread-local
/// last error, which holds the server's description of JetStream API errors.
std::string error_text(natsStatus s) {
  natsStatus last = NATS_OK;
  const char* text = nats_GetLastError(&last);
  std::string out = (text != nullptr && *text != '\0') ? text : natsStatus_GetText(s);
  // Drop the source location the C client puts first: "(conn.c:2088): No server available ...".
  if (auto end = out.find("): "); !out.empty() && out.front() == '(' && end != std::string::npos)
    out.erase(0, end + 3);
  if (!out.empty() && out.front() >= 'A' && out.front() <= 'Z' &&
      (out.size() < 2 || !(out[1] >= 'A' && out[1] <= 'Z')))
    out.front() = static_cast<char>(out.front() - 'A' + 'a');
  return out;
}

/// What a timeout or a connection that broke under the call means for it.
enum class on_timeout {
  /// The request may have been applied (a publish, an ack): its bytes may have reached the server
  /// before the connection broke, or may be sent again from the reconnect buffer.
  outcome_unknown,
  /// An idempotent request that can simply be repeated.
  deadline_exceeded,
};

/// Maps the failure `s` (with JetStream error `jerr`, 0 if none) of a call on the connection to
/// `url` to a cleave error; `what` names the thing the call was about.
caf::error to_error(natsStatus s, jsErrCode jerr, const std::string& url, const std::string& what,
                    on_timeout timeout) {
  auto text = error_text(s);
  auto where = "NATS at " + url + (what.empty() ? "" : ", " + what);
  // Before the JetStream error code: the C client reports no responders as 10076 (JetStream not
  // enabled) too, but nothing was stored and a stream created later will take the subject.
  if (s == NATS_NO_RESPONDERS)
    return make_error(errc::unavailable, where +
                                             ": no JetStream stream answered (none stores this "
                                             "subject, or JetStream is off): " +
                                             text);
  if (jerr == JSStreamNotFoundErr) return make_error(errc::not_found, where + ": " + text);
  if (jerr != 0)
    return make_error(errc::internal,
                      where + ": " + text + " (JetStream error " + std::to_string(jerr) + ")");
  switch (s) {
    case NATS_TIMEOUT:
      if (timeout == on_timeout::outcome_unknown)
        return make_error(errc::outcome_unknown,
                          where +
                              ": no answer in time; it may have been applied, or may still be "
                              "(one made while disconnected is sent on reconnect): " +
                              text);
      return make_error(errc::deadline_exceeded, where + ": no answer in time: " + text);
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_IO_ERROR:
    case NATS_STALE_CONNECTION:
      if (timeout == on_timeout::outcome_unknown)
        return make_error(errc::outcome_unknown,
                          where +
                              ": the connection broke under the call; it may have been "
                              "applied: " +
                              text);
      return make_error(errc::unavailable, where + ": " + text);
    case NATS_NO_SERVER:
    case NATS_CONNECTION_CLOSED:
    case NATS_NOT_YET_CONNECTED:
    case NATS_DRAINING:
    case NATS_SSL_ERROR:
    case NATS_SECURE_CONNECTION_WANTED:
    case NATS_SECURE_CONNECTION_REQUIRED:
      return make_error(errc::unavailable, where + ": " + text);
    case NATS_INSUFFICIENT_BUFFER:
      // The reconnect buffer is full: this one was not kept.
      return make_error(errc::unavailable, where +
                                               ": disconnected and the reconnect buffer is "
                                               "full, not sent: " +
                                               text);
    case NATS_CONNECTION_AUTH_FAILED:
      return make_error(errc::unauthenticated, where + ": " + text);
    case NATS_NOT_PERMITTED:
      return make_error(errc::permission_denied, where + ": " + text);
    case NATS_MAX_PAYLOAD:
    case NATS_INVALID_SUBJECT:
    case NATS_INVALID_ARG:
    case NATS_INVALID_TIMEOUT:
    case NATS_ADDRESS_MISSING:
      return make_error(errc::invalid_argument, where + ": " + text);
    case NATS_ERR:  // the C client's own refusals, e.g. a consumer filtering another subject
      return make_error(errc::internal, where + ": " + text);
    default:
      return make_error(errc::internal, where + ": " + text + " (status " +
                                            std::to_string(static_cast<int>(s)) + ")");
  }
}

/// A stream or consumer name as the server takes it: not empty, none of ". *>" nor controls.
bool valid_name(const std::string& name) {
  if (name.empty()) return false;
  for (char c : name)
    if (c == '.' || c == '*' || c == '>' || c == ' ' || static_cast<unsigned char>(c) < 0x21)
      return false;
  return true;
}

bool valid_subject(const std::string& subject) {
  if (subject.empty() || subject.front() == '.' || subject.back() == '.') return false;
  for (char c : subject)
    if (static_cast<unsigned char>(c) < 0x21) return false;
  return subject.find("..") == std::string::npos;
}

// -- the library's implementations of nats_client.hpp ---------------------------------------------

/// A bound pull subscription, shared by a consumer and its deliveries: a delivery's ack goes
/// through it.
struct subscription {
  /// The connection stays open while a consumer or one of its deliveries lives.
  std::shared_ptr<nats_connection> connection;
  subscription_ptr sub;
  /// For error texts: "consumer 'reader' of stream 'EVENTS'".
  std::string what;
};

class delivery_impl final : public nats_delivery::impl {
 public:
  delivery_impl(std::shared_ptr<subscription> sub, msg_ptr msg)
      : sub_(std::move(sub)), msg_(std::move(msg)) {
    jsMsgMetaData* raw = nullptr;
    if (natsMsg_GetMetaData(&raw, msg_.get()) == NATS_OK) {
      meta_ptr meta{raw};
      stream_sequence_ = meta->Sequence.Stream;
      delivered_ = meta->NumDelivered;
    }
  }

  std::string_view subject() const override {
    const char* s = natsMsg_GetSubject(msg_.get());
    return s != nullptr ? std::string_view{s} : std::string_view{};
  }

  std::string_view payload() const override {
    const char* data = natsMsg_GetData(msg_.get());
    int len = natsMsg_GetDataLength(msg_.get());
    return data != nullptr ? std::string_view{data, static_cast<size_t>(len)} : std::string_view{};
  }

  std::string header(const std::string& name) const override {
    const char* value = nullptr;
    if (natsMsgHeader_Get(msg_.get(), name.c_str(), &value) != NATS_OK || value == nullptr)
      return {};
    return value;
  }

  uint64_t stream_sequence() const override { return stream_sequence_; }

  uint64_t delivered() const override { return delivered_; }

  caf::error ack(milliseconds wait) override {
    if (wait.count() <= 0) return make_error(errc::invalid_argument, "ack: wait must be positive");
    jsOptions opts;
    jsOptions_Init(&opts);
    opts.Wait = wait.count();
    jsErrCode jerr{};
    auto s = natsMsg_AckSync(msg_.get(), &opts, &jerr);
    if (s == NATS_OK) return {};
    return to_error(
        s, jerr, sub_->connection->url(),
        "ack of stream sequence " + std::to_string(stream_sequence_) + " by " + sub_->what,
        on_timeout::outcome_unknown);
  }

  caf::error nak(milliseconds delay) override {
    if (delay.count() < 0) return make_error(errc::invalid_argument, "nak: negative delay");
    auto s = delay.count() == 0 ? natsMsg_Nak(msg_.get(), nullptr)
                                : natsMsg_NakWithDelay(msg_.get(), delay.count(), nullptr);
    if (s == NATS_OK) return {};
    return to_error(
        s, jsErrCode{}, sub_->connection->url(),
        "nak of stream sequence " + std::to_string(stream_sequence_) + " by " + sub_->what,
        on_timeout::deadline_exceeded);
  }

 private:
  std::shared_ptr<subscription> sub_;
  // After sub_: destroyed first, since the message points into the subscription.
  msg_ptr msg_;
  uint64_t stream_sequence_ = 0;
  uint64_t delivered_ = 0;
};

class consumer_impl final : public nats_consumer {
 public:
  explicit consumer_impl(std::shared_ptr<subscription> sub) : sub_(std::move(sub)) {
    // nop
  }

  caf::expected<std::vector<nats_delivery>> fetch(int max, milliseconds wait) override {
    if (max <= 0) return make_error(errc::invalid_argument, "fetch: max must be positive");
    if (wait.count() <= 0)
      return make_error(errc::invalid_argument, "fetch: wait must be positive");
    natsMsgList list{nullptr, 0};
    jsErrCode jerr{};
    auto s = natsSubscription_Fetch(&list, sub_->sub.get(), max, wait.count(), &jerr);
    std::vector<nats_delivery> out;
    // Take every message before anything can fail, so that the list frees only its array.
    out.reserve(static_cast<size_t>(list.Count));
    for (int i = 0; i < list.Count; ++i) {
      msg_ptr msg{list.Msgs[i]};
      list.Msgs[i] = nullptr;
      out.emplace_back(std::make_unique<delivery_impl>(sub_, std::move(msg)));
    }
    list.Count = 0;
    natsMsgList_Destroy(&list);
    if (s == NATS_OK || (s == NATS_TIMEOUT && jerr == 0)) return out;
    return to_error(s, jerr, sub_->connection->url(), "fetch by " + sub_->what,
                    on_timeout::deadline_exceeded);
  }

 private:
  std::shared_ptr<subscription> sub_;
};

class connection_impl final : public nats_connection,
                              public std::enable_shared_from_this<connection_impl> {
 public:
  connection_impl(nats_settings settings, connection_ptr nc, js_ptr js)
      : settings_(std::move(settings)), nc_(std::move(nc)), js_(std::move(js)) {
    // nop
  }

  caf::error ensure_stream(const std::string& stream,
                           const std::vector<std::string>& subjects) override;

  caf::expected<publish_ack> publish(
      const std::string& subject, std::string_view payload, const std::string& msg_id,
      const std::vector<std::pair<std::string, std::string>>& headers, milliseconds wait) override;

  caf::expected<std::unique_ptr<nats_consumer>> durable_consumer(const std::string& stream,
                                                                 const std::string& subject,
                                                                 const std::string& durable,
                                                                 milliseconds ack_wait) override;

  bool connected() const override {
    return natsConnection_Status(nc_.get()) == NATS_CONN_STATUS_CONNECTED;
  }

  const std::string& url() const override { return settings_.url; }

 private:
  nats_settings settings_;
  connection_ptr nc_;
  // After nc_: destroyed first, since it uses the connection.
  js_ptr js_;
};

caf::expected<std::shared_ptr<nats_connection>> open_connection(const nats_settings& settings) {
  open_library();
  auto fail = [&](natsStatus s) {
    return to_error(s, jsErrCode{}, settings.url, "", on_timeout::deadline_exceeded);
  };
  if (settings.url.empty()) return make_error(errc::invalid_argument, "NATS: no server URL");
  natsOptions* raw_opts = nullptr;
  if (auto s = natsOptions_Create(&raw_opts); s != NATS_OK) return fail(s);
  options_ptr opts{raw_opts};
  natsStatus s = natsOptions_SetURL(opts.get(), settings.url.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts.get(), settings.connect_timeout.count());
  if (s == NATS_OK && !settings.name.empty())
    s = natsOptions_SetName(opts.get(), settings.name.c_str());
  // Once up, keep trying for ever: a server restart must not leave a node without events. The
  // short wait (upstream default 2 s) bounds how long publishes sit in the reconnect buffer; the
  // jitter spreads a cluster's nodes after a server restart.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts.get(), -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts.get(), 250);
  if (s == NATS_OK) s = natsOptions_SetReconnectJitter(opts.get(), 100, 1000);
  // No retry on a failed first connect: a wrong URL must show at start, not as silent buffering.
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(opts.get(), false, nullptr, nullptr);
  if (s != NATS_OK) return fail(s);
  natsConnection* raw_nc = nullptr;
  if (s = natsConnection_Connect(&raw_nc, opts.get()); s != NATS_OK) return fail(s);
  connection_ptr nc{raw_nc};
  jsCtx* raw_js = nullptr;
  if (s = natsConnection_JetStream(&raw_js, nc.get(), nullptr); s != NATS_OK) return fail(s);
  return std::make_shared<connection_impl>(settings, std::move(nc), js_ptr{raw_js});
}

caf::error connection_impl::ensure_stream(const std::string& stream,
                                          const std::vector<std::string>& subjects) {
  auto what = "stream '" + stream + "'";
  if (!valid_name(stream))
    return make_error(errc::invalid_argument,
                      "NATS " + what + ": not a stream name (empty, or '.', '*', '>', space)");
  if (subjects.empty()) return make_error(errc::invalid_argument, "NATS " + what + ": no subjects");
  std::vector<const char*> subject_ptrs;
  for (const auto& subject : subjects) {
    if (!valid_subject(subject))
      return make_error(errc::invalid_argument,
                        "NATS " + what + ": '" + subject + "' is not a subject");
    subject_ptrs.push_back(subject.c_str());
  }
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = stream.c_str();
  cfg.Subjects = subject_ptrs.data();
  cfg.SubjectsLen = static_cast<int>(subject_ptrs.size());
  cfg.Storage = js_FileStorage;
  cfg.Duplicates = dedup_window_ns;
  jsStreamInfo* raw_info = nullptr;
  jsErrCode jerr{};
  // Adding is idempotent for an identical configuration; only a different one needs an update.
  auto s = js_AddStream(&raw_info, js_.get(), &cfg, nullptr, &jerr);
  stream_info_ptr info{raw_info};
  if (s != NATS_OK && jerr == JSStreamNameExistErr) {
    raw_info = nullptr;
    jerr = jsErrCode{};
    s = js_UpdateStream(&raw_info, js_.get(), &cfg, nullptr, &jerr);
    info.reset(raw_info);
  }
  if (s == NATS_OK) return {};
  return to_error(s, jerr, url(), what, on_timeout::deadline_exceeded);
}

caf::expected<publish_ack> connection_impl::publish(
    const std::string& subject, std::string_view payload, const std::string& msg_id,
    const std::vector<std::pair<std::string, std::string>>& headers, milliseconds wait) {
  auto what = "publish on '" + subject + "'";
  if (!valid_subject(subject) || subject.find_first_of("*>") != std::string::npos)
    return make_error(errc::invalid_argument, "NATS " + what + ": not a subject to publish on");
  if (payload.size() > static_cast<size_t>(INT_MAX))
    return make_error(errc::invalid_argument, "NATS " + what + ": payload too big");
  if (wait.count() <= 0)
    return make_error(errc::invalid_argument, "NATS " + what + ": wait must be positive");
  natsMsg* raw_msg = nullptr;
  auto s = natsMsg_Create(&raw_msg, subject.c_str(), nullptr, payload.data(),
                          static_cast<int>(payload.size()));
  if (s != NATS_OK) return to_error(s, jsErrCode{}, url(), what, on_timeout::deadline_exceeded);
  msg_ptr msg{raw_msg};
  for (const auto& [name, value] : headers) {
    if (s = natsMsgHeader_Add(msg.get(), name.c_str(), value.c_str()); s != NATS_OK)
      return to_error(s, jsErrCode{}, url(), what + ", header '" + name + "'",
                      on_timeout::deadline_exceeded);
  }
  jsPubOptions opts;
  jsPubOptions_Init(&opts);
  opts.MaxWait = wait.count();
  if (!msg_id.empty()) opts.MsgId = msg_id.c_str();
  jsPubAck* raw_ack = nullptr;
  jsErrCode jerr{};
  s = js_PublishMsg(&raw_ack, js_.get(), msg.get(), &opts, &jerr);
  pub_ack_ptr ack{raw_ack};
  if (s != NATS_OK)
    return to_error(s, jerr, url(), msg_id.empty() ? what : what + " (msg id '" + msg_id + "')",
                    on_timeout::outcome_unknown);
  publish_ack out;
  if (ack) {
    out.sequence = ack->Sequence;
    out.duplicate = ack->Duplicate;
  }
  return out;
}

caf::expected<std::unique_ptr<nats_consumer>> connection_impl::durable_consumer(
    const std::string& stream, const std::string& subject, const std::string& durable,
    milliseconds ack_wait) {
  auto what = "consumer '" + durable + "' of stream '" + stream + "'";
  if (!valid_name(stream) || !valid_name(durable))
    return make_error(errc::invalid_argument,
                      "NATS " + what +
                          ": not a stream or consumer name (empty, or '.', '*', "
                          "'>', space)");
  if (!valid_subject(subject))
    return make_error(errc::invalid_argument,
                      "NATS " + what + ": '" + subject + "' is not a subject");
  if (ack_wait.count() <= 0)
    return make_error(errc::invalid_argument, "NATS " + what + ": ack wait must be positive");
  jsConsumerInfo* raw_info = nullptr;
  jsErrCode jerr{};
  auto s =
      js_GetConsumerInfo(&raw_info, js_.get(), stream.c_str(), durable.c_str(), nullptr, &jerr);
  consumer_info_ptr info{raw_info};
  if (s != NATS_OK && jerr == JSConsumerNotFoundErr) {
    // Created here rather than by js_PullSubscribe: the library deletes a consumer it created
    // when the subscription is unsubscribed, and a durable must outlive its subscribers.
    jsConsumerConfig cfg;
    jsConsumerConfig_Init(&cfg);
    cfg.Durable = durable.c_str();
    cfg.AckPolicy = js_AckExplicit;
    cfg.DeliverPolicy = js_DeliverAll;
    cfg.FilterSubject = subject.c_str();
    cfg.AckWait = ack_wait.count() * ns_per_ms;
    raw_info = nullptr;
    jerr = jsErrCode{};
    s = js_AddConsumer(&raw_info, js_.get(), stream.c_str(), &cfg, nullptr, &jerr);
    info.reset(raw_info);
  }
  if (s != NATS_OK) return to_error(s, jerr, url(), what, on_timeout::deadline_exceeded);
  jsSubOptions sub_opts;
  jsSubOptions_Init(&sub_opts);
  sub_opts.Stream = stream.c_str();
  sub_opts.Consumer = durable.c_str();
  natsSubscription* raw_sub = nullptr;
  jerr = jsErrCode{};
  s = js_PullSubscribe(&raw_sub, js_.get(), subject.c_str(), durable.c_str(), nullptr, &sub_opts,
                       &jerr);
  if (s != NATS_OK) return to_error(s, jerr, url(), what, on_timeout::deadline_exceeded);
  auto sub = std::make_shared<subscription>();
  sub->connection = shared_from_this();
  sub->sub.reset(raw_sub);
  sub->what = what;
  return std::unique_ptr<nats_consumer>{std::make_unique<consumer_impl>(std::move(sub))};
}

}  // namespace

}  // namespace cleave::detail

extern "C" __attribute__((visibility("default"))) const void* cleave_nats_library() {
  static const cleave::detail::nats_library table{cleave::detail::nats_library_abi,
                                                  cleave::detail::open_connection};
  return &table;
}
