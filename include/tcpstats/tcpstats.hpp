#pragma once
// Umbrella header: everything tcpstats offers.
//
// It includes every public header except the generated <tcpstats/version.hpp>
// (TCPSTATS_VERSION_MAJOR/MINOR/PATCH), which exists only in a build or
// install tree: include it where the version matters. The source tree's
// include/ can then be copied into a project as it is.

#include "tcpstats/bytes.hpp"
#include "tcpstats/connection_record.hpp"
#include "tcpstats/error.hpp"
#include "tcpstats/freebsd/dev_tcpstats.hpp"
#include "tcpstats/freebsd/kern_file.hpp"
#include "tcpstats/freebsd/layouts.hpp"
#include "tcpstats/freebsd/materialize.hpp"
#include "tcpstats/freebsd/pcblist.hpp"
#include "tcpstats/freebsd/release.hpp"
#include "tcpstats/freebsd/socket_owners.hpp"
#include "tcpstats/freebsd/tcpstat.hpp"
#include "tcpstats/freebsd/xtcpcb.hpp"
#include "tcpstats/ip_address.hpp"
#include "tcpstats/layout_field.hpp"
#include "tcpstats/single_pass_iterator.hpp"
#include "tcpstats/sock_diag/destroy.hpp"
#include "tcpstats/sock_diag/dump.hpp"
#include "tcpstats/sock_diag/inet_diag.hpp"
#include "tcpstats/sock_diag/materialize.hpp"
#include "tcpstats/sock_diag/netlink.hpp"
#include "tcpstats/sock_diag/tcp_info.hpp"
#include "tcpstats/tcp_state.hpp"
#include "tcpstats/utf8.hpp"
#include "tcpstats/xnu/layouts.hpp"
#include "tcpstats/xnu/materialize.hpp"
#include "tcpstats/xnu/pcblist_n.hpp"
#include "tcpstats/xnu/record_view.hpp"
#include "tcpstats/xnu/records.hpp"
#include "tcpstats/xnu/tcpstat.hpp"
#include "tcpstats/xnu/units.hpp"
