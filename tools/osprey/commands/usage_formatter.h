// A usage line CLI11 cannot derive: the words after the options are BINARY (or IMAGE) and
// the program's own arguments.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace osprey {

class UsageFormatter : public CLI::Formatter {
public:
    explicit UsageFormatter(std::string operands) : m_operands(std::move(operands)) {}
    std::string make_usage(const CLI::App*, std::string name) const override {
        return "Usage: " + name + " [OPTIONS] " + m_operands + "\n";
    }

private:
    std::string m_operands;
};

}  // namespace osprey
