#include "net/interface_config.h"

#include <gtest/gtest.h>

using namespace net;

TEST(InterfaceConfig, ParsesDottedQuads) {
    EXPECT_EQ(parse_ipv4("10.0.2.15").value(), Ipv4Address::from_octets(10, 0, 2, 15));
    EXPECT_EQ(parse_ipv4("255.255.255.255").value(), kIpv4Broadcast);
    for (const char* bad : {"", "10.0.2", "10.0.2.15.1", "256.0.0.1", "1..2.3", "a.b.c.d", "10.0.2.15 ", "1000.0.0.1"})
        EXPECT_TRUE(parse_ipv4(bad).is_error()) << bad;
}

TEST(InterfaceConfig, DhcpAndNone) {
    EXPECT_EQ(InterfaceConfig::parse("dhcp").value().mode, InterfaceConfig::Mode::Dhcp);
    EXPECT_EQ(InterfaceConfig::parse("none").value().mode, InterfaceConfig::Mode::None);
}

TEST(InterfaceConfig, StaticWithGatewayAndTwoNameServers) {
    auto c = InterfaceConfig::parse("10.0.2.15/24,gw=10.0.2.2,dns=10.0.2.3,dns=1.1.1.1");
    ASSERT_TRUE(c.is_ok());
    EXPECT_EQ(c.value().mode, InterfaceConfig::Mode::Static);
    EXPECT_EQ(c.value().address.address, Ipv4Address::from_octets(10, 0, 2, 15));
    EXPECT_EQ(c.value().address.length, 24);
    EXPECT_EQ(c.value().gateway, Ipv4Address::from_octets(10, 0, 2, 2));
    ASSERT_EQ(c.value().dns_count, 2u);
    EXPECT_EQ(c.value().dns[1], Ipv4Address::from_octets(1, 1, 1, 1));
}

TEST(InterfaceConfig, StaticAloneHasNoGateway) {
    auto c = InterfaceConfig::parse("192.168.7.2/30");
    ASSERT_TRUE(c.is_ok());
    EXPECT_TRUE(c.value().gateway.is_any());
    EXPECT_EQ(c.value().dns_count, 0u);
}

TEST(InterfaceConfig, MistakesAreRefusedWithAReason) {
    const char* why = nullptr;
    for (const char* bad : {"10.0.2.15", "10.0.2.15/33", "10.0.2.15/24,gw=10.0.3.1", "10.0.2.15/24,gw=x",
                            "10.0.2.15/24,mtu=1400", "0.0.0.0/8", "224.0.0.1/4", "10.0.2.15/0",
                            "10.0.2.15/24,dns=1.1.1.1,dns=1.1.1.2,dns=1.1.1.3,dns=1.1.1.4", "DHCP"}) {
        why = nullptr;
        EXPECT_TRUE(InterfaceConfig::parse(bad, &why).is_error()) << bad;
        EXPECT_NE(why, nullptr) << bad;
    }
}
