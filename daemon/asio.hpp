// asio.hpp: the Boost.Asio headers the daemon uses, and only those (compile time matters).
// <utility> must come before the awaitable headers with g++ 12 and Boost 1.74.
#pragma once
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace bounced {
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using StreamSocket = asio::generic::stream_protocol::socket;
using StreamAcceptor = asio::basic_socket_acceptor<asio::generic::stream_protocol>;
}  // namespace bounced
