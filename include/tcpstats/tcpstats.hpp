#pragma once
// Umbrella header: everything tcpstats offers.

#include "tcpstats/bytes.hpp"
#include "tcpstats/connection_record.hpp"
#include "tcpstats/error.hpp"
#include "tcpstats/ip_address.hpp"
#include "tcpstats/layout_field.hpp"
#include "tcpstats/tcp_state.hpp"
#include "tcpstats/xnu/layouts.hpp"
#include "tcpstats/xnu/materialize.hpp"
#include "tcpstats/xnu/pcblist_n.hpp"
#include "tcpstats/xnu/record_view.hpp"
#include "tcpstats/xnu/records.hpp"
#include "tcpstats/xnu/tcpstat.hpp"
#include "tcpstats/xnu/units.hpp"
