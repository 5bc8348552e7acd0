#pragma once

inline constexpr const char kOspreyVersion[] = "0.1.0";
