// Parser tests: valid expressions with their canonical printed form, invalid
// ones with the exact error text, AST shape, options, and round-tripping.
#include "query/parser.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "query/function_signatures.h"
#include "query/printer.h"

namespace promlite::query {
namespace {

struct PrintCase {
  const char* input;
  const char* printed;  // nullptr: same as input
};

// Valid with the default options; printed as Prometheus's String() does.
const PrintCase kValid[] = {
    {R"x(1)x", nullptr},
    {R"x(1.5)x", nullptr},
    {R"x(-1)x", nullptr},
    {R"x(+1)x", R"x(1)x"},
    {R"x(- -1)x", R"x(1)x"},
    {R"x(.5)x", R"x(0.5)x"},
    {R"x(5.)x", R"x(5)x"},
    {R"x(1e3)x", R"x(1000)x"},
    {R"x(1E-3)x", R"x(0.001)x"},
    {R"x(1_000)x", R"x(1000)x"},
    {R"x(0x1f)x", R"x(31)x"},
    {R"x(0X1F)x", R"x(31)x"},
    {R"x(017)x", R"x(15)x"},
    {R"x(08)x", R"x(8)x"},
    {R"x(Inf)x", R"x(+Inf)x"},
    {R"x(-Inf)x", nullptr},
    {R"x(inf)x", R"x(+Inf)x"},
    {R"x(NaN)x", nullptr},
    {R"x(nan)x", R"x(NaN)x"},
    {R"x(1e100)x",
     R"x(10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000)x"},
    {R"x(0.0000001)x", nullptr},
    {R"x(5m)x", nullptr},
    {R"x(-5m)x", nullptr},
    {R"x(1h30m)x", nullptr},
    {R"x("double")x", nullptr},
    {R"x('single')x", R"x("single")x"},
    {R"x(`raw\n`)x", R"x("raw\\n")x"},
    {R"x("esc \" \\ \n \t \x41 \101 \u00e9 \U0001F600")x", R"x("esc \" \\ \n \t A A é 😀")x"},
    {R"x('it\'s')x", R"x("it's")x"},
    {R"x("ünïcödé")x", nullptr},
    {R"x(foo)x", nullptr},
    {R"x(foo:bar)x", nullptr},
    {R"x(foo_bar_123)x", nullptr},
    {R"x(foo{})x", R"x(foo)x"},
    {R"x(foo{a="b"})x", nullptr},
    {R"x(foo{a="b",})x", R"x(foo{a="b"})x"},
    {R"x(foo{a="b", c!="d", e=~"f.*", g!~"h"})x", R"x(foo{a="b",c!="d",e=~"f.*",g!~"h"})x"},
    {R"x(foo{ a = "b" })x", R"x(foo{a="b"})x"},
    {R"x({a="b"})x", nullptr},
    {R"x({__name__="foo"})x", nullptr},
    {R"x({__name__=~"foo|bar"})x", nullptr},
    {R"x({"my.metric"})x", R"x({__name__="my.metric"})x"},
    {R"x({"my.metric", "lbl.name"="x"})x", R"x({"lbl.name"="x",__name__="my.metric"})x"},
    {R"x(foo{"lbl.name"="x"})x", nullptr},
    {R"x(foo{a="b"} # comment)x", R"x(foo{a="b"})x"},
    {R"x(by)x", nullptr},
    {R"x(offset)x", nullptr},
    {R"x(and)x", nullptr},
    {R"x(sum)x", nullptr},
    {R"x(start)x", nullptr},
    {R"x(end)x", nullptr},
    {R"x(without)x", nullptr},
    {R"x(foo[5m])x", nullptr},
    {R"x(foo[1h30m])x", nullptr},
    {R"x(foo[300])x", R"x(foo[5m])x"},
    {R"x(foo[1.5])x", R"x(foo[1s500ms])x"},
    {R"x(foo[ 5m ])x", R"x(foo[5m])x"},
    {R"x(foo[5m] offset 1m)x", nullptr},
    {R"x(foo offset 5m)x", nullptr},
    {R"x(foo offset -5m)x", nullptr},
    {R"x(foo OFFSET 1d)x", R"x(foo offset 1d)x"},
    {R"x(foo offset 60)x", R"x(foo offset 1m)x"},
    {R"x(foo offset 1.5)x", R"x(foo offset 1s500ms)x"},
    {R"x(foo @ 1603775091)x", R"x(foo @ 1603775091.000)x"},
    {R"x(foo @ 1603775091.123)x", nullptr},
    {R"x(foo @ -1)x", R"x(foo @ -1.000)x"},
    {R"x(foo @ +5)x", R"x(foo @ 5.000)x"},
    {R"x(foo @ 5m)x", R"x(foo @ 300.000)x"},
    {R"x(foo @ start())x", nullptr},
    {R"x(foo @ end())x", nullptr},
    {R"x(foo @ start() offset 1m)x", nullptr},
    {R"x(foo offset 1m @ end())x", R"x(foo @ end() offset 1m)x"},
    {R"x(foo[5m] @ 100 offset 1m)x", R"x(foo[5m] @ 100.000 offset 1m)x"},
    {R"x(foo[5m:1m])x", nullptr},
    {R"x(foo[5m:])x", nullptr},
    {R"x(foo[5m:1m] offset 1m)x", nullptr},
    {R"x(foo[5m:1m] @ end())x", nullptr},
    {R"x(rate(foo[5m])[30m:1m])x", nullptr},
    {R"x(sum(rate(foo[5m]))[30m:])x", nullptr},
    {R"x((foo)[5m:])x", nullptr},
    {R"x(foo offset 1m [5m:])x", R"x(foo offset 1m[5m:])x"},
    {R"x(1 + 2)x", nullptr},
    {R"x(1 + 2 * 3)x", nullptr},
    {R"x((1 + 2) * 3)x", nullptr},
    {R"x(1 - 2 - 3)x", nullptr},
    {R"x(2 ^ 3 ^ 2)x", nullptr},
    {R"x(-2 ^ 2)x", nullptr},
    {R"x(-foo)x", nullptr},
    {R"x(+foo)x", nullptr},
    {R"x(-foo * 2)x", nullptr},
    {R"x(foo - -bar)x", nullptr},
    {R"x(foo + bar)x", nullptr},
    {R"x(foo - bar)x", nullptr},
    {R"x(foo * bar)x", nullptr},
    {R"x(foo / bar)x", nullptr},
    {R"x(foo % bar)x", nullptr},
    {R"x(foo ^ bar)x", nullptr},
    {R"x(foo atan2 bar)x", nullptr},
    {R"x(foo == bar)x", nullptr},
    {R"x(foo != bar)x", nullptr},
    {R"x(foo > bar)x", nullptr},
    {R"x(foo < bar)x", nullptr},
    {R"x(foo >= bar)x", nullptr},
    {R"x(foo <= bar)x", nullptr},
    {R"x(foo > bool bar)x", nullptr},
    {R"x(foo == bool 1)x", nullptr},
    {R"x(1 == bool 1)x", nullptr},
    {R"x(foo and bar)x", nullptr},
    {R"x(foo or bar)x", nullptr},
    {R"x(foo unless bar)x", nullptr},
    {R"x(foo AND bar)x", R"x(foo and bar)x"},
    {R"x(a or b and c)x", nullptr},
    {R"x(a and b or c)x", nullptr},
    {R"x(a + b > c * d)x", nullptr},
    {R"x(foo + on(a) bar)x", R"x(foo + on (a) bar)x"},
    {R"x(foo + on(a, b) bar)x", R"x(foo + on (a, b) bar)x"},
    {R"x(foo + on() bar)x", R"x(foo + on () bar)x"},
    {R"x(foo + ignoring(a) bar)x", R"x(foo + ignoring (a) bar)x"},
    {R"x(foo * on(a) group_left bar)x", R"x(foo * on (a) group_left () bar)x"},
    {R"x(foo * on(a) group_left(b, c) bar)x", R"x(foo * on (a) group_left (b, c) bar)x"},
    {R"x(foo * ignoring(a) group_right(b) bar)x", R"x(foo * ignoring (a) group_right (b) bar)x"},
    {R"x(foo and on(a) bar)x", R"x(foo and on (a) bar)x"},
    {R"x(foo or ignoring(a) bar)x", R"x(foo or ignoring (a) bar)x"},
    {R"x(foo + on(by, offset, sum) bar)x", R"x(foo + on (by, offset, sum) bar)x"},
    {R"x(sum(foo))x", nullptr},
    {R"x(SUM(foo))x", R"x(sum(foo))x"},
    {R"x(sum by (job) (foo))x", nullptr},
    {R"x(sum by(job)(foo))x", R"x(sum by (job) (foo))x"},
    {R"x(sum(foo) by (job))x", R"x(sum by (job) (foo))x"},
    {R"x(sum without (job) (foo))x", nullptr},
    {R"x(sum(foo) without (job))x", R"x(sum without (job) (foo))x"},
    {R"x(sum by () (foo))x", R"x(sum(foo))x"},
    {R"x(sum without () (foo))x", nullptr},
    {R"x(sum by (a,) (foo))x", R"x(sum by (a) (foo))x"},
    {R"x(sum by ("foo.bar") (foo))x", nullptr},
    {R"x(sum by (a:b) (foo))x", nullptr},
    {R"x(avg(foo))x", nullptr},
    {R"x(count(foo))x", nullptr},
    {R"x(min(foo))x", nullptr},
    {R"x(max(foo))x", nullptr},
    {R"x(group(foo))x", nullptr},
    {R"x(stddev(foo))x", nullptr},
    {R"x(stdvar(foo))x", nullptr},
    {R"x(topk(5, foo))x", nullptr},
    {R"x(bottomk(5, foo))x", nullptr},
    {R"x(quantile(0.9, foo))x", nullptr},
    {R"x(count_values("value", foo))x", nullptr},
    {R"x(topk(scalar(bar), foo))x", nullptr},
    {R"x(sum(sum(foo) by (a)) by (b))x", R"x(sum by (b) (sum by (a) (foo)))x"},
    {R"x(rate(foo[5m]))x", nullptr},
    {R"x(abs(foo))x", nullptr},
    {R"x(time())x", nullptr},
    {R"x(pi())x", nullptr},
    {R"x(vector(1))x", nullptr},
    {R"x(scalar(foo))x", nullptr},
    {R"x(round(foo))x", nullptr},
    {R"x(round(foo, 5))x", nullptr},
    {R"x(hour())x", nullptr},
    {R"x(hour(foo))x", nullptr},
    {R"x(label_replace(foo, "dst", "$1", "src", "(.*)"))x", nullptr},
    {R"x(label_join(foo, "dst", ",", "a", "b", "c"))x", nullptr},
    {R"x(histogram_quantile(0.9, sum by (le) (rate(foo_bucket[5m]))))x", nullptr},
    {R"x(histogram_fraction(0, 1, foo))x", nullptr},
    {R"x(predict_linear(foo[1h], 3600))x", nullptr},
    {R"x(quantile_over_time(0.5, foo[5m]))x", nullptr},
    {R"x(clamp(foo, 0, 1))x", nullptr},
    {R"x(absent(nonexistent{job="x"}))x", nullptr},
    {R"x(sum(rate(foo{bar="baz"}[5m] offset 1m)) by (job))x",
     R"x(sum by (job) (rate(foo{bar="baz"}[5m] offset 1m)))x"},
    {R"x(foo{a="b"} and on(c) bar{d="e"} offset 5m)x",
     R"x(foo{a="b"} and on (c) bar{d="e"} offset 5m)x"},
    {R"x(-sum(foo))x", nullptr},
    {R"x(-(foo))x", nullptr},
    {R"x(--foo)x", nullptr},
    {R"x(1 / 0)x", nullptr},
    {R"x(foo > 5m)x", nullptr},
    {R"x(time() - 1d)x", nullptr},
    {R"x(rate(foo[5m]) * 60 > bool 0.5)x", nullptr},
    {"foo{a=\"b\" # comment\n}", R"x(foo{a="b"})x"},
    {"sum(\n  foo\n)", "sum(foo)"},
    {"foo\t+\r\nbar", "foo + bar"},
};

struct ErrorCase {
  const char* input;
  const char* error;
};

// Invalid with the default options, with the full message.
const ErrorCase kInvalid[] = {
    {"", "unknown position: parse error: no expression found in input"},
    {"# just a comment\n\n", "1:1: parse error: no expression found in input"},
    {"foo +\nbar baz", "2:5: parse error: unexpected identifier \"baz\""},
    {"sum(\n  rate(foo[5m]\n)", "3:2: parse error: unclosed left parenthesis"},
    {"@ 1", "1:1: parse error: unexpected \"<Item 57400>\" <op:@>"},
    {R"x("\)x", R"x(1:1: parse error: escape sequence not terminated)x"},
    {R"x("\c")x", R"x(1:1: parse error: unknown escape sequence U+0063 'c')x"},
    {R"x("\q")x", R"x(1:1: parse error: unknown escape sequence U+0071 'q')x"},
    {R"x("\u12")x", R"x(1:1: parse error: illegal character U+0022 '"' in escape sequence)x"},
    {R"x("\ud800")x", R"x(1:1: parse error: escape sequence is an invalid Unicode code point)x"},
    {R"x("a" + 1)x",
     R"x(1:1: parse error: binary expression must contain only scalar and instant vector types)x"},
    {R"x("a" @ 1)x",
     R"x(1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery)x"},
    {R"x("abc" "def")x", R"x(1:7: parse error: unexpected string "\"def\"")x"},
    {R"x('abc)x", R"x(1:1: parse error: unterminated quoted string)x"},
    {R"x(()x", R"x(1:2: parse error: unclosed left parenthesis)x"},
    {R"x(((1))x", R"x(1:5: parse error: unclosed left parenthesis)x"},
    {R"x(())x", R"x(1:2: parse error: unexpected ")")x"},
    {R"x((1)))x", R"x(1:5: parse error: unexpected right parenthesis ')')x"},
    {R"x((foo)x", R"x(1:5: parse error: unclosed left parenthesis)x"},
    {R"x((foo + bar)[5m])x", R"x(1:12: parse error: ranges only allowed for vector selectors)x"},
    {R"x((foo + bar{nm="val"})[5m:][10m:5s])x",
     R"x(1:1: parse error: subquery is only allowed on instant vector, got matrix instead)x"},
    {R"x((foo) offset 1m)x",
     R"x(1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery)x"},
    {R"x((foo[5m])[1m:])x",
     R"x(1:1: parse error: subquery is only allowed on instant vector, got matrix instead)x"},
    {R"x(*)x", R"x(1:1: parse error: unexpected <op:*>)x"},
    {R"x(*1)x", R"x(1:1: parse error: unexpected <op:*>)x"},
    {R"x(*test)x", R"x(1:1: parse error: unexpected <op:*>)x"},
    {R"x(++-++-+-+-<)x", R"x(1:11: parse error: unexpected <op:<>)x"},
    {R"x(-"a")x",
     R"x(1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string")x"},
    {R"x(-"string")x",
     R"x(1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "string")x"},
    {R"x(-=)x", R"x(1:2: parse error: unexpected "=")x"},
    {R"x(-test[5m])x",
     R"x(1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got "range vector")x"},
    {R"x(.)x", R"x(1:1: parse error: unexpected character: '.')x"},
    {R"x(0deadbeef)x", R"x(1:1: parse error: bad number or duration syntax: "0de")x"},
    {R"x(0x)x",
     R"x(1:1: parse error: error parsing number: strconv.ParseFloat: parsing "0x": invalid syntax)x"},
    {R"x(0x1e)x", R"x(1:1: parse error: bad number or duration syntax: "0x1e")x"},
    {R"x(1 ! 2)x", R"x(1:3: parse error: unexpected character after '!': ' ')x"},
    {R"x(1 !~ 1)x", R"x(1:3: parse error: unexpected character after '!': '~')x"},
    {R"x(1 +)x", R"x(1:4: parse error: unexpected end of input)x"},
    {R"x(1 + foo[5m])x",
     R"x(1:5: parse error: binary expression must contain only scalar and instant vector types)x"},
    {R"x(1 + on(a) 2)x",
     R"x(1:1: parse error: vector matching only allowed between instant vectors)x"},
    {R"x(1 /)x", R"x(1:4: parse error: unexpected end of input)x"},
    {R"x(1 == 1)x", R"x(1:3: parse error: comparisons between scalars must use BOOL modifier)x"},
    {R"x(1 =~ 1)x", R"x(1:3: parse error: unexpected character after '=': '~')x"},
    {R"x(1 > bool 2 or vector(1))x",
     R"x(1:1: parse error: set operator "or" not allowed in binary scalar expression)x"},
    {R"x(1 and 1)x",
     R"x(1:1: parse error: set operator "and" not allowed in binary scalar expression)x"},
    {R"x(1 and foo)x",
     R"x(1:1: parse error: set operator "and" not allowed in binary scalar expression)x"},
    {R"x(1 offset 1d)x",
     R"x(1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery)x"},
    {R"x(1 offset 1m)x",
     R"x(1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery)x"},
    {R"x(1 or 1)x",
     R"x(1:1: parse error: set operator "or" not allowed in binary scalar expression)x"},
    {R"x(1 or foo)x",
     R"x(1:1: parse error: set operator "or" not allowed in binary scalar expression)x"},
    {R"x(1 or on(bar) foo)x",
     R"x(1:1: parse error: vector matching only allowed between instant vectors)x"},
    {R"x(1 unless 1)x",
     R"x(1:1: parse error: set operator "unless" not allowed in binary scalar expression)x"},
    {R"x(1 unless foo)x",
     R"x(1:1: parse error: set operator "unless" not allowed in binary scalar expression)x"},
    {R"x(1+)x", R"x(1:3: parse error: unexpected end of input)x"},
    {R"x(100..4)x", R"x(1:1: parse error: bad number or duration syntax: "100..")x"},
    {R"x(1__0)x", R"x(1:1: parse error: bad number or duration syntax: "1__")x"},
    {R"x(1e)x", R"x(1:1: parse error: bad number or duration syntax: "1e")x"},
    {R"x(1e+)x", R"x(1:1: parse error: bad number or duration syntax: "1e+")x"},
    {R"x(2.5.)x", R"x(1:1: parse error: bad number or duration syntax: "2.5.")x"},
    {R"x(999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999)x",
     R"x(1:1: parse error: error parsing number: strconv.ParseFloat: parsing "999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999": value out of range)x"},
    {R"x(MIN (some_metric) keep_common)x",
     R"x(1:19: parse error: unexpected identifier "keep_common")x"},
    {R"x(MIN keep_common (some_metric))x",
     R"x(1:5: parse error: unexpected identifier "keep_common")x"},
    {R"x(`\``)x", R"x(1:4: parse error: unterminated raw string)x"},
    {R"x(`abc)x", R"x(1:1: parse error: unterminated raw string)x"},
    {R"x(a - on(b) ignoring(c) d)x", R"x(1:11: parse error: unexpected <ignoring>)x"},
    {R"x(a>b())x", R"x(1:3: parse error: unknown function with name "b")x"},
    {R"x(abs())x", R"x(1:1: parse error: expected 1 argument(s) in call to "abs", got 0)x"},
    {R"x(abs(foo[5m]))x",
     R"x(1:5: parse error: expected type instant vector in call to function "abs", got range vector)x"},
    {R"x(abs(x, y))x", R"x(1:1: parse error: expected 1 argument(s) in call to "abs", got 2)x"},
    {R"x(atan2)x", R"x(1:1: parse error: unexpected <op:atan2>)x"},
    {R"x(bool)x", R"x(1:1: parse error: unexpected <bool>)x"},
    {R"x(count_values(1, foo))x",
     R"x(1:14: parse error: expected type string in aggregation parameter, got scalar)x"},
    {R"x(count_values(5, other_metric))x",
     R"x(1:14: parse error: expected type string in aggregation parameter, got scalar)x"},
    {R"x(double_exponential_smoothing(foo[5m], 0.5, 0.5))x",
     R"x(1:1: parse error: function "double_exponential_smoothing" is not enabled)x"},
    {R"x(e-+=/(0))x", R"x(1:4: parse error: unexpected "=")x"},
    {R"x(end())x", R"x(1:4: parse error: unexpected "(")x"},
    {R"x(floor())x", R"x(1:1: parse error: expected 1 argument(s) in call to "floor", got 0)x"},
    {R"x(floor(1))x",
     R"x(1:7: parse error: expected type instant vector in call to function "floor", got scalar)x"},
    {R"x(floor(some_metric, 1))x",
     R"x(1:1: parse error: expected 1 argument(s) in call to "floor", got 2)x"},
    {R"x(floor(some_metric, other_metric))x",
     R"x(1:1: parse error: expected 1 argument(s) in call to "floor", got 2)x"},
    {R"x(foo + bool)x", R"x(1:11: parse error: unexpected end of input)x"},
    {R"x(foo + bool 10)x",
     R"x(1:5: parse error: bool modifier can only be used on comparison operators)x"},
    {R"x(foo + bool bar)x",
     R"x(1:5: parse error: bool modifier can only be used on comparison operators)x"},
    {R"x(foo + bool on(a) bar)x",
     R"x(1:5: parse error: bool modifier can only be used on comparison operators)x"},
    {R"x(foo + group_left bar)x", R"x(1:7: parse error: unexpected <group_left>)x"},
    {R"x(foo + group_left(baz) bar)x", R"x(1:7: parse error: unexpected <group_left>)x"},
    {R"x(foo + on bar)x",
     R"x(1:10: parse error: unexpected identifier "bar" in grouping opts, expected "(")x"},
    {R"x(foo + on(a) bool bar)x", R"x(1:13: parse error: unexpected <bool>)x"},
    {R"x(foo + on(a) group_left(a) bar)x",
     R"x(1:5: parse error: label "a" must not occur in ON and GROUP clause at once)x"},
    {R"x(foo + on(a) group_left(b) group_right(c) bar)x",
     R"x(1:27: parse error: unexpected <group_right>)x"},
    {R"x(foo == on(bar) 10)x",
     R"x(1:1: parse error: vector matching only allowed between instant vectors)x"},
    {R"x(foo @)x", R"x(1:6: parse error: unexpected end of input in @, expected timestamp)x"},
    {R"x(foo @ +Inf)x", R"x(1:1: parse error: timestamp out of bounds for @ modifier: +Inf)x"},
    {R"x(foo @ -Inf)x", R"x(1:1: parse error: timestamp out of bounds for @ modifier: -Inf)x"},
    {R"x(foo @ -start())x", R"x(1:8: parse error: unexpected "start" in @, expected timestamp)x"},
    {R"x(foo @ 1 @ 2)x", R"x(1:1: parse error: @ <timestamp> may not be set multiple times)x"},
    {R"x(foo @ 1 [5m])x", R"x(1:9: parse error: no @ modifiers allowed before range)x"},
    {R"x(foo @ Inf)x", R"x(1:1: parse error: timestamp out of bounds for @ modifier: +Inf)x"},
    {R"x(foo @ NaN)x", R"x(1:1: parse error: timestamp out of bounds for @ modifier: NaN)x"},
    {R"x(foo @ bar)x",
     R"x(1:7: parse error: unexpected identifier "bar" in @, expected timestamp)x"},
    {R"x(foo @ end)x", R"x(1:10: parse error: unexpected end of input in @, expected timestamp)x"},
    {R"x(foo @ start)x",
     R"x(1:12: parse error: unexpected end of input in @, expected timestamp)x"},
    {R"x(foo @ start() @ end())x",
     R"x(1:1: parse error: @ <timestamp> may not be set multiple times)x"},
    {R"x(foo @ start(1))x",
     R"x(1:13: parse error: unexpected number "1" in @, expected timestamp)x"},
    {R"x(foo and 1)x",
     R"x(1:1: parse error: set operator "and" not allowed in binary scalar expression)x"},
    {R"x(foo and bool 10)x",
     R"x(1:5: parse error: bool modifier can only be used on comparison operators)x"},
    {R"x(foo and on(a) group_left bar)x",
     R"x(1:1: parse error: no grouping allowed for "and" operation)x"},
    {R"x(foo and on(bar) group_left(baz) bar)x",
     R"x(1:1: parse error: no grouping allowed for "and" operation)x"},
    {R"x(foo and on(bar) group_right(baz) bar)x",
     R"x(1:1: parse error: no grouping allowed for "and" operation)x"},
    {R"x(foo bar)x", R"x(1:5: parse error: unexpected identifier "bar")x"},
    {R"x(foo by)x", R"x(1:5: parse error: unexpected <by>)x"},
    {R"x(foo offset)x",
     R"x(1:11: parse error: unexpected end of input in offset, expected number or duration)x"},
    {R"x(foo offset (1m + 1m))x",
     R"x(1:13: parse error: experimental duration expression is not enabled)x"},
    {R"x(foo offset (4d/0))x",
     R"x(1:13: parse error: experimental duration expression is not enabled)x"},
    {R"x(foo offset (5m))x",
     R"x(1:13: parse error: experimental duration expression is not enabled)x"},
    {R"x(foo offset -(1m))x",
     R"x(1:14: parse error: experimental duration expression is not enabled)x"},
    {R"x(foo offset -bar)x",
     R"x(1:13: parse error: unexpected identifier "bar" in offset, expected number or duration)x"},
    {R"x(foo offset 1.5mm)x", R"x(1:12: parse error: bad number or duration syntax: "1.5mm")x"},
    {R"x(foo offset 1m offset 1m)x", R"x(1:1: parse error: offset may not be set multiple times)x"},
    {R"x(foo offset 1m offset 2m)x", R"x(1:1: parse error: offset may not be set multiple times)x"},
    {R"x(foo offset 1s offset 2s)x", R"x(1:1: parse error: offset may not be set multiple times)x"},
    {R"x(foo offset 300y)x", R"x(1:12: parse error: duration out of range)x"},
    {R"x(foo offset 9.5e10)x", R"x(1:12: parse error: duration out of range)x"},
    {R"x(foo offset bar)x",
     R"x(1:12: parse error: unexpected identifier "bar" in offset, expected number or duration)x"},
    {R"x(foo or 1)x",
     R"x(1:1: parse error: set operator "or" not allowed in binary scalar expression)x"},
    {R"x(foo or on(bar) group_left(baz) bar)x",
     R"x(1:1: parse error: no grouping allowed for "or" operation)x"},
    {R"x(foo or on(bar) group_right(baz) bar)x",
     R"x(1:1: parse error: no grouping allowed for "or" operation)x"},
    {R"x(foo unless 1)x",
     R"x(1:1: parse error: set operator "unless" not allowed in binary scalar expression)x"},
    {R"x(foo unless on(bar) group_left(baz) bar)x",
     R"x(1:1: parse error: no grouping allowed for "unless" operation)x"},
    {R"x(foo unless on(bar) group_right(baz) bar)x",
     R"x(1:1: parse error: no grouping allowed for "unless" operation)x"},
    {R"x(foo))x", R"x(1:5: parse error: unexpected right parenthesis ')')x"},
    {R"x(foo[)x", R"x(1:5: parse error: unexpected end of input in duration expression)x"},
    {R"x(foo[-1])x", R"x(1:5: parse error: duration must be greater than 0)x"},
    {R"x(foo[-5m])x", R"x(1:5: parse error: duration must be greater than 0)x"},
    {R"x(foo[0])x", R"x(1:5: parse error: duration must be greater than 0)x"},
    {R"x(foo[0m])x", R"x(1:5: parse error: duration must be greater than 0)x"},
    {R"x(foo[1.5h])x", R"x(1:5: parse error: unknown unit "." in duration "1.5h")x"},
    {R"x(foo[300y])x", R"x(1:5: parse error: duration out of range)x"},
    {R"x(foo[5m)x", R"x(1:7: parse error: unclosed left bracket)x"},
    {R"x(foo[5m 1m])x",
     R"x(1:8: parse error: unexpected duration "1m" in subquery or range, expected ":" or "]")x"},
    {R"x(foo[5m+1m])x", R"x(1:5: parse error: experimental duration expression is not enabled)x"},
    {R"x(foo[5m1])x", R"x(1:5: parse error: bad number or duration syntax: "5m1")x"},
    {R"x(foo[5m1h])x", R"x(1:5: parse error: not a valid duration string: "5m1h")x"},
    {R"x(foo[5m1m])x", R"x(1:5: parse error: not a valid duration string: "5m1m")x"},
    {R"x(foo[5m:1m)x", R"x(1:10: parse error: unclosed left bracket)x"},
    {R"x(foo[5m:1m 2m])x",
     R"x(1:11: parse error: unexpected duration "2m" in subquery selector, expected "]")x"},
    {R"x(foo[5m:1m*2])x", R"x(1:8: parse error: experimental duration expression is not enabled)x"},
    {R"x(foo[5m:1m1])x", R"x(1:8: parse error: bad number or duration syntax: "1m1")x"},
    {R"x(foo[5m:1m:])x", R"x(1:10: parse error: unexpected colon ':')x"},
    {R"x(foo[5m::])x", R"x(1:8: parse error: unexpected colon ':')x"},
    {R"x(foo[5m:][1m:])x",
     R"x(1:1: parse error: subquery is only allowed on instant vector, got matrix instead)x"},
    {R"x(foo[5m:bar])x", R"x(1:8: parse error: unexpected colon 'b')x"},
    {R"x(foo[5m] + 1)x",
     R"x(1:1: parse error: binary expression must contain only scalar and instant vector types)x"},
    {R"x(foo[5m] @ start()x", R"x(1:17: parse error: unclosed left parenthesis)x"},
    {R"x(foo[5m] offset -)x",
     R"x(1:17: parse error: unexpected end of input in offset, expected number or duration)x"},
    {R"x(foo[5m] or bar)x",
     R"x(1:1: parse error: binary expression must contain only scalar and instant vector types)x"},
    {R"x(foo[5m][5m])x", R"x(1:8: parse error: ranges only allowed for vector selectors)x"},
    {R"x(foo[5mm])x", R"x(1:5: parse error: bad number or duration syntax: "5mm")x"},
    {R"x(foo[5s%0d])x", R"x(1:5: parse error: experimental duration expression is not enabled)x"},
    {R"x(foo[5s/0d])x", R"x(1:5: parse error: experimental duration expression is not enabled)x"},
    {R"x(foo[5y1hs])x", R"x(1:5: parse error: unknown unit "hs" in duration "5y1hs")x"},
    {R"x(foo[9.5e10])x", R"x(1:5: parse error: duration out of range)x"},
    {R"x(foo[:5m])x",
     R"x(1:6: parse error: unexpected colon before duration in duration expression)x"},
    {R"x(foo[])x",
     R"x(1:5: parse error: unexpected "]" in subquery selector, expected number or duration)x"},
    {R"x(foo[bar])x", R"x(1:5: parse error: unexpected character in duration expression: 'b')x"},
    {R"x(foo{"a" "b"})x",
     R"x(1:9: parse error: unexpected string "\"b\"" in label matching, expected "," or "}")x"},
    {R"x(foo{"a"="b" c})x",
     R"x(1:13: parse error: unexpected identifier "c" in label matching, expected "," or "}")x"},
    {R"x(foo{"a"=})x", R"x(1:9: parse error: unexpected "}" in label matching, expected string)x"},
    {R"x(foo{,})x",
     R"x(1:5: parse error: unexpected "," in label matching, expected identifier or "}")x"},
    {R"x(foo{1})x", R"x(1:5: parse error: unexpected character inside braces: '1')x"},
    {R"x(foo{=})x",
     R"x(1:5: parse error: unexpected "=" in label matching, expected identifier or "}")x"},
    {R"x(foo{__name__ == "bar"})x",
     R"x(1:15: parse error: unexpected "=" in label matching, expected string)x"},
    {R"x(foo{__name__= =})x",
     R"x(1:15: parse error: unexpected "=" in label matching, expected string)x"},
    {R"x(foo{__name__="bar" lol})x",
     R"x(1:20: parse error: unexpected identifier "lol" in label matching, expected "," or "}")x"},
    {R"x(foo{__name__="bar"})x",
     R"x(1:1: parse error: metric name must not be set twice: "foo" or "bar")x"},
    {R"x(foo{a!b})x", R"x(1:6: parse error: unexpected character after '!' inside braces: 'b')x"},
    {R"x(foo{a*"b"})x", R"x(1:6: parse error: unexpected character inside braces: '*')x"},
    {R"x(foo{a="b")x", R"x(1:10: parse error: unexpected end of input inside braces)x"},
    {R"x(foo{a="b", a=~"c"} offset)x",
     R"x(1:26: parse error: unexpected end of input in offset, expected number or duration)x"},
    {R"x(foo{a="b",,})x",
     R"x(1:11: parse error: unexpected "," in label matching, expected identifier or "}")x"},
    {R"x(foo{a="b"} offset 1m offset 1m)x",
     R"x(1:1: parse error: offset may not be set multiple times)x"},
    {R"x(foo{a="b"} offset 5m [5m])x",
     R"x(1:22: parse error: no offset modifiers allowed before range)x"},
    {R"x(foo{a=})x", R"x(1:7: parse error: unexpected "}" in label matching, expected string)x"},
    {R"x(foo{a=~"b"c})x",
     R"x(1:11: parse error: unexpected identifier "c" in label matching, expected "," or "}")x"},
    {R"x(foo{a>"b"})x", R"x(1:6: parse error: unexpected character inside braces: '>')x"},
    {R"x(foo{a>="b"})x", R"x(1:6: parse error: unexpected character inside braces: '>')x"},
    {R"x(foo{a})x",
     R"x(1:6: parse error: unexpected "}" in label matching, expected label matching operator)x"},
    {R"x(foo{bar="baz"}[)x",
     R"x(1:16: parse error: unexpected end of input in duration expression)x"},
    {R"x(foo{gibberish})x",
     R"x(1:14: parse error: unexpected "}" in label matching, expected label matching operator)x"},
    {R"x(foo{{)x", R"x(1:5: parse error: unexpected left brace '{')x"},
    {R"x(foo{}{})x", R"x(1:6: parse error: unexpected "{")x"},
    {R"x(histogram_quantile(foo, bar))x",
     R"x(1:20: parse error: expected type scalar in call to function "histogram_quantile", got instant vector)x"},
    {R"x(hour(some_metric, some_metric, some_metric))x",
     R"x(1:1: parse error: expected at most 1 argument(s) in call to "hour", got 3)x"},
    {R"x(http_requests{group="production"} + on(instance) group_left(job,instance) cpu_count{type="smp"})x",
     R"x(1:35: parse error: label "instance" must not occur in ON and GROUP clause at once)x"},
    {R"x(info(rate(http_request_counter_total{}[5m]), target_info{foo="bar"}))x",
     R"x(1:1: parse error: function "info" is not enabled)x"},
    {R"x(info(up, rate(foo[5m])))x", R"x(1:1: parse error: function "info" is not enabled)x"},
    {R"x(info(up, target_info))x", R"x(1:1: parse error: function "info" is not enabled)x"},
    {R"x(label_join(x))x",
     R"x(1:1: parse error: expected at least 3 argument(s) in call to "label_join", got 1)x"},
    {R"x(label_replace(foo, "a", "b", "c"))x",
     R"x(1:1: parse error: expected 5 argument(s) in call to "label_replace", got 4)x"},
    {R"x(limit_ratio(0.5, foo))x",
     R"x(1:1: parse error: limit_ratio() is experimental and must be enabled with --enable-feature=promql-experimental-functions)x"},
    {R"x(limitk(1, x))x",
     R"x(1:1: parse error: limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions)x"},
    {R"x(mad_over_time(x[5m]))x", R"x(1:1: parse error: function "mad_over_time" is not enabled)x"},
    {R"x(non_existent_function_far_bar())x",
     R"x(1:1: parse error: unknown function with name "non_existent_function_far_bar")x"},
    {R"x(on)x", R"x(1:1: parse error: unexpected <on>)x"},
    {R"x(quantile(foo, bar))x",
     R"x(1:10: parse error: expected type scalar in aggregation parameter, got instant vector)x"},
    {R"x(rate(1))x",
     R"x(1:6: parse error: expected type range vector in call to function "rate", got scalar)x"},
    {R"x(rate(avg))x",
     R"x(1:6: parse error: expected type range vector in call to function "rate", got instant vector)x"},
    {R"x(rate(foo bar))x", R"x(1:10: parse error: unexpected identifier "bar")x"},
    {R"x(rate(foo))x",
     R"x(1:6: parse error: expected type range vector in call to function "rate", got instant vector)x"},
    {R"x(rate(foo[5m]) offset 1m)x",
     R"x(1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery)x"},
    {R"x(rate(food[1m])[1h] @ 100)x",
     R"x(1:15: parse error: ranges only allowed for vector selectors)x"},
    {R"x(rate(food[1m])[1h] offset 1h)x",
     R"x(1:15: parse error: ranges only allowed for vector selectors)x"},
    {R"x(rate(some_metric))x",
     R"x(1:6: parse error: expected type range vector in call to function "rate", got instant vector)x"},
    {R"x(rate(some_metric[5m]) @ 1234)x",
     R"x(1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery)x"},
    {R"x(rate(x[5m],))x",
     R"x(1:11: parse error: trailing commas not allowed in function call args)x"},
    {R"x(round(x, 1, 2))x",
     R"x(1:1: parse error: expected at most 2 argument(s) in call to "round", got 3)x"},
    {R"x(scalar(1))x",
     R"x(1:8: parse error: expected type instant vector in call to function "scalar", got scalar)x"},
    {R"x(some_metric @ 1234 [5m])x", R"x(1:20: parse error: no @ modifiers allowed before range)x"},
    {R"x(some_metric OFFSET 1m[5m])x",
     R"x(1:22: parse error: no offset modifiers allowed before range)x"},
    {R"x(some_metric[5m] @)x",
     R"x(1:18: parse error: unexpected end of input in @, expected timestamp)x"},
    {R"x(some_metric[5m] OFFSET)x",
     R"x(1:23: parse error: unexpected end of input in offset, expected number or duration)x"},
    {R"x(some_metric[5m] OFFSET 1mm)x",
     R"x(1:24: parse error: bad number or duration syntax: "1mm")x"},
    {R"x(some_metric{a:b="b"})x",
     R"x(1:14: parse error: unexpected character inside braces: ':')x"},
    {R"x(some_metric{a=b})x",
     R"x(1:15: parse error: unexpected identifier "b" in label matching, expected string)x"},
    {R"x(some{)x", R"x(1:6: parse error: unexpected end of input inside braces)x"},
    {R"x(some})x", R"x(1:5: parse error: unexpected character: '}')x"},
    {R"x(sort_by_label(foo, "a"))x",
     R"x(1:1: parse error: function "sort_by_label" is not enabled)x"},
    {R"x(start())x", R"x(1:6: parse error: unexpected "(")x"},
    {R"x(sum () by (test))x",
     R"x(1:1: parse error: no arguments for aggregate expression provided)x"},
    {R"x(sum (foo) by (a) without (b))x", R"x(1:18: parse error: unexpected <without>)x"},
    {R"x(sum (some_metric) by test)x",
     R"x(1:22: parse error: unexpected identifier "test" in grouping opts, expected "(")x"},
    {R"x(sum (some_metric) without (test) by (test))x", R"x(1:34: parse error: unexpected <by>)x"},
    {R"x(sum by ("") (x))x", R"x(1:9: parse error: invalid label name for grouping: "")x"},
    {R"x(sum by ("foo)(some_metric{}))x", R"x(1:9: parse error: unterminated quoted string)x"},
    {R"x(sum by (a b) (x))x",
     R"x(1:11: parse error: unexpected identifier "b" in grouping opts, expected "," or ")")x"},
    {R"x(sum by (a))x", R"x(1:11: parse error: unexpected end of input in aggregation)x"},
    {R"x(sum by (a) by (b) (foo))x", R"x(1:12: parse error: unexpected <by> in aggregation)x"},
    {R"x(sum by (a) foo)x", R"x(1:12: parse error: unexpected identifier "foo" in aggregation)x"},
    {R"x(sum by (foo,,) (x))x",
     R"x(1:13: parse error: unexpected "," in grouping opts, expected label)x"},
    {R"x(sum by foo (x))x",
     R"x(1:8: parse error: unexpected identifier "foo" in grouping opts, expected "(")x"},
    {R"x(sum some_metric by (test))x",
     R"x(1:5: parse error: unexpected identifier "some_metric")x"},
    {R"x(sum without (test) (some_metric) by (test))x", R"x(1:34: parse error: unexpected <by>)x"},
    {R"x(sum without(,)(some_metric))x",
     R"x(1:13: parse error: unexpected "," in grouping opts, expected label)x"},
    {R"x(sum without(==)(some_metric))x",
     R"x(1:13: parse error: unexpected <op:==> in grouping opts, expected label)x"},
    {R"x(sum without(foo,,)(some_metric))x",
     R"x(1:17: parse error: unexpected "," in grouping opts, expected label)x"},
    {R"x(sum())x", R"x(1:1: parse error: no arguments for aggregate expression provided)x"},
    {R"x(sum(a, b))x",
     R"x(1:1: parse error: wrong number of arguments for aggregate expression provided, expected 1, got 2)x"},
    {R"x(sum(foo bar))x", R"x(1:9: parse error: unexpected identifier "bar" in aggregation)x"},
    {R"x(sum(foo) @ 1)x",
     R"x(1:1: parse error: @ modifier must be preceded by an instant vector selector or range vector selector or a subquery)x"},
    {R"x(sum(foo) offset 1m)x",
     R"x(1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery)x"},
    {R"x(sum(foo[5m]))x",
     R"x(1:5: parse error: expected type instant vector in aggregation expression, got range vector)x"},
    {R"x(sum(rate()x", R"x(1:10: parse error: unclosed left parenthesis)x"},
    {R"x(test[5d] OFFSET 10s [10m:5s])x",
     R"x(1:1: parse error: subquery is only allowed on instant vector, got matrix instead)x"},
    {R"x(time(foo))x", R"x(1:1: parse error: expected 0 argument(s) in call to "time", got 1)x"},
    {R"x(time(some_metric))x",
     R"x(1:1: parse error: expected 0 argument(s) in call to "time", got 1)x"},
    {R"x(topk("a", foo))x",
     R"x(1:6: parse error: expected type scalar in aggregation parameter, got string)x"},
    {R"x(topk(some_metric))x",
     R"x(1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1)x"},
    {R"x(topk(some_metric, other_metric))x",
     R"x(1:6: parse error: expected type scalar in aggregation parameter, got instant vector)x"},
    {R"x(topk(some_metric,))x",
     R"x(1:17: parse error: trailing commas not allowed in function call args)x"},
    {R"x(topk(x))x",
     R"x(1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1)x"},
    {R"x(unknown(x))x", R"x(1:1: parse error: unknown function with name "unknown")x"},
    {R"x(vector(foo))x",
     R"x(1:8: parse error: expected type scalar in call to function "vector", got instant vector)x"},
    {R"x(x and 1)x",
     R"x(1:1: parse error: set operator "and" not allowed in binary scalar expression)x"},
    {R"x({)x", R"x(1:2: parse error: unexpected end of input inside braces)x"},
    {R"x({__name__=~".*"})x",
     R"x(1:1: parse error: vector selector must contain at least one non-empty matcher)x"},
    {R"x({a=""})x",
     R"x(1:1: parse error: vector selector must contain at least one non-empty matcher)x"},
    {R"x({x!="a"})x",
     R"x(1:1: parse error: vector selector must contain at least one non-empty matcher)x"},
    {R"x({x!~".+"})x",
     R"x(1:1: parse error: vector selector must contain at least one non-empty matcher)x"},
    {R"x({x=""})x",
     R"x(1:1: parse error: vector selector must contain at least one non-empty matcher)x"},
    {R"x({x=~".*"})x",
     R"x(1:1: parse error: vector selector must contain at least one non-empty matcher)x"},
    {R"x({})x",
     R"x(1:1: parse error: vector selector must contain at least one non-empty matcher)x"},
    {R"x(})x", R"x(1:1: parse error: unexpected character: '}')x"},
};

Result<std::unique_ptr<Expr>> parse_all_features(std::string_view s) {
  ParseOptions o;
  o.experimental_functions = true;
  o.duration_expressions = true;
  return parse_expr(s, o);
}

TEST(ParserTest, ValidExpressionsPrintCanonically) {
  for (const auto& c : kValid) {
    SCOPED_TRACE(c.input);
    auto r = parse_expr(c.input);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    EXPECT_EQ(to_string(**r), c.printed ? c.printed : c.input);
  }
}

TEST(ParserTest, PrintedFormRoundTrips) {
  for (const auto& c : kValid) {
    SCOPED_TRACE(c.input);
    auto r = parse_expr(c.input);
    ASSERT_TRUE(r.is_ok());
    std::string once = to_string(**r);
    auto again = parse_expr(once);
    ASSERT_TRUE(again.is_ok()) << once << ": " << again.status().message();
    EXPECT_EQ(to_string(**again), once);
    EXPECT_EQ((*again)->type(), (*r)->type());
    EXPECT_EQ((*again)->height, (*r)->height);
  }
}

TEST(ParserTest, InvalidExpressionsGivePrometheusErrors) {
  for (const auto& c : kInvalid) {
    SCOPED_TRACE(c.input);
    auto r = parse_expr(c.input);
    ASSERT_FALSE(r.is_ok()) << to_string(**r);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), c.error);
  }
}

TEST(ParserTest, BadRegexIsAParseError) {
  auto r = parse_expr(R"(foo{a=~"("})");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message().rfind("1:5: parse error: error parsing regexp: ", 0), 0u)
      << r.status().message();
}

TEST(ParserTest, HugeNumberIsOutOfRange) {
  auto r = parse_expr(std::string(400, '9'));
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("value out of range"), std::string::npos);
  auto big = parse_expr(std::string(30, '9'));  // too big for int64, fine as a float
  ASSERT_TRUE(big.is_ok());
  EXPECT_DOUBLE_EQ((*big)->as<NumberLiteral>().value, 1e30);
}

TEST(ParserTest, NumberLiterals) {
  struct {
    const char* in;
    double want;
  } cases[] = {{"1", 1},    {"0x1f", 31},    {"017", 15},     {"08", 8},        {"1e3", 1000},
               {".5", 0.5}, {"5.", 5},       {"1_000", 1000}, {"-2.5", -2.5},   {"+3", 3},
               {"5m", 300}, {"1h30m", 5400}, {"500ms", 0.5},  {"1y", 31536000}, {"- -1", 1}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    auto r = parse_expr(c.in);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    ASSERT_TRUE((*r)->is<NumberLiteral>());
    EXPECT_DOUBLE_EQ((*r)->as<NumberLiteral>().value, c.want);
    EXPECT_EQ((*r)->type(), ValueType::kScalar);
  }
  auto inf = parse_expr("-Inf");
  ASSERT_TRUE(inf.is_ok());
  EXPECT_TRUE(std::isinf((*inf)->as<NumberLiteral>().value));
  EXPECT_LT((*inf)->as<NumberLiteral>().value, 0);
  auto nan = parse_expr("nAn");
  ASSERT_TRUE(nan.is_ok());
  EXPECT_TRUE(std::isnan((*nan)->as<NumberLiteral>().value));
  EXPECT_TRUE((*parse_expr("5m"))->as<NumberLiteral>().duration);
  EXPECT_FALSE((*parse_expr("300"))->as<NumberLiteral>().duration);
}

TEST(ParserTest, StringLiterals) {
  struct {
    const char* in;
    std::string want;
  } cases[] = {
      {R"("a\nb")", "a\nb"},
      {R"('it\'s')", "it's"},
      {R"("say \"hi\"")", "say \"hi\""},
      {"`raw\\n`", "raw\\n"},
      {R"("\x41\101\u00e9\U0001F600")", "AA\xC3\xA9\xF0\x9F\x98\x80"},
      {R"("\a\b\f\r\t\v\\")", "\a\b\f\r\t\v\\"},
      {R"("")", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    auto r = parse_expr(c.in);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    ASSERT_TRUE((*r)->is<StringLiteral>());
    EXPECT_EQ((*r)->as<StringLiteral>().value, c.want);
    EXPECT_EQ((*r)->type(), ValueType::kString);
  }
}

TEST(ParserTest, VectorSelectorShape) {
  auto r = parse_expr(R"(foo{a="b", c!~"d.*"} offset -5m @ 1.5)");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const auto& vs = (*r)->as<VectorSelector>();
  EXPECT_EQ(vs.name, "foo");
  ASSERT_EQ(vs.matchers.size(), 3u);
  EXPECT_EQ(vs.matchers[0].name(), "a");
  EXPECT_EQ(vs.matchers[0].type(), model::MatchType::kEqual);
  EXPECT_EQ(vs.matchers[1].type(), model::MatchType::kNotRegex);
  EXPECT_TRUE(vs.matchers[1].matches("x"));
  EXPECT_FALSE(vs.matchers[1].matches("dog"));
  EXPECT_EQ(vs.matchers[2].name(), "__name__");
  EXPECT_EQ(vs.matchers[2].value(), "foo");
  EXPECT_EQ(vs.mods.offset, -5 * model::kMinute);
  ASSERT_TRUE(vs.mods.at.has_value());
  EXPECT_EQ(*vs.mods.at, 1500);
  EXPECT_EQ(vs.mods.at_modifier, AtModifier::kNone);
  EXPECT_EQ(vs.pos.start, 0);
  EXPECT_EQ(vs.pos.end, 37);
  EXPECT_EQ((*r)->type(), ValueType::kVector);
}

TEST(ParserTest, QuotedNames) {
  auto r = parse_expr(R"({"my.metric", "lbl.name"="x"})");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const auto& vs = (*r)->as<VectorSelector>();
  EXPECT_EQ(vs.name, "");
  ASSERT_EQ(vs.matchers.size(), 2u);
  EXPECT_EQ(vs.matchers[0].name(), "__name__");
  EXPECT_EQ(vs.matchers[0].value(), "my.metric");
  EXPECT_EQ(vs.matchers[1].name(), "lbl.name");
  auto g = parse_expr(R"(sum by ("a.b", c) (x))");
  ASSERT_TRUE(g.is_ok());
  EXPECT_EQ((*g)->as<AggregateExpr>().grouping, (std::vector<std::string>{"a.b", "c"}));
}

TEST(ParserTest, MatrixAndSubqueryShape) {
  auto r = parse_expr("foo[5m] @ end() offset 1m");
  ASSERT_TRUE(r.is_ok());
  const auto& m = (*r)->as<MatrixSelector>();
  EXPECT_EQ(m.range, 5 * model::kMinute);
  EXPECT_EQ(m.selector().mods.offset, model::kMinute);
  EXPECT_EQ(m.selector().mods.at_modifier, AtModifier::kEnd);
  EXPECT_EQ((*r)->type(), ValueType::kMatrix);

  auto s = parse_expr("rate(foo[1m])[1h:30s] offset 10m @ start()");
  ASSERT_TRUE(s.is_ok());
  const auto& sq = (*s)->as<SubqueryExpr>();
  EXPECT_EQ(sq.range, model::kHour);
  EXPECT_EQ(sq.step, 30 * model::kSecond);
  EXPECT_EQ(sq.mods.offset, 10 * model::kMinute);
  EXPECT_EQ(sq.mods.at_modifier, AtModifier::kStart);
  EXPECT_TRUE(sq.expr->is<Call>());
  EXPECT_EQ((*s)->type(), ValueType::kMatrix);

  auto d = parse_expr("foo[5m:]");
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ((*d)->as<SubqueryExpr>().step, 0);
  auto secs = parse_expr("foo[90]");
  ASSERT_TRUE(secs.is_ok());
  EXPECT_EQ((*secs)->as<MatrixSelector>().range, 90 * model::kSecond);
  auto frac = parse_expr("foo offset 1.5");
  ASSERT_TRUE(frac.is_ok());
  EXPECT_EQ((*frac)->as<VectorSelector>().mods.offset, 1500);
}

TEST(ParserTest, PrecedenceAndAssociativity) {
  auto r = parse_expr("a or b and c unless d == e + f * g ^ h ^ i");
  ASSERT_TRUE(r.is_ok());
  const auto& top = (*r)->as<BinaryExpr>();
  EXPECT_EQ(top.op, BinaryOp::kOr);
  const auto& and_unless = top.rhs->as<BinaryExpr>();
  EXPECT_EQ(and_unless.op, BinaryOp::kUnless);  // and/unless are left-associative
  EXPECT_EQ(and_unless.lhs->as<BinaryExpr>().op, BinaryOp::kAnd);
  const auto& cmp = and_unless.rhs->as<BinaryExpr>();
  EXPECT_EQ(cmp.op, BinaryOp::kEql);
  const auto& add = cmp.rhs->as<BinaryExpr>();
  EXPECT_EQ(add.op, BinaryOp::kAdd);
  const auto& mul = add.rhs->as<BinaryExpr>();
  EXPECT_EQ(mul.op, BinaryOp::kMul);
  const auto& pow = mul.rhs->as<BinaryExpr>();
  EXPECT_EQ(pow.op, BinaryOp::kPow);
  EXPECT_TRUE(pow.rhs->is<BinaryExpr>());  // ^ is right-associative
  EXPECT_TRUE(pow.lhs->is<VectorSelector>());

  auto sub = parse_expr("a - b - c");
  ASSERT_TRUE(sub.is_ok());
  EXPECT_TRUE((*sub)->as<BinaryExpr>().lhs->is<BinaryExpr>());

  // Unary minus binds like '*': -a ^ b is -(a ^ b), -a * b is (-a) * b.
  auto u1 = parse_expr("-a ^ b");
  ASSERT_TRUE(u1.is_ok());
  EXPECT_TRUE((*u1)->is<UnaryExpr>());
  auto u2 = parse_expr("-a * b");
  ASSERT_TRUE(u2.is_ok());
  EXPECT_TRUE((*u2)->as<BinaryExpr>().lhs->is<UnaryExpr>());
  auto u3 = parse_expr("2 * -3 * 4");
  ASSERT_TRUE(u3.is_ok());
  EXPECT_TRUE((*u3)->as<BinaryExpr>().lhs->is<BinaryExpr>());

  // Modifiers bind tighter than any operator.
  auto o = parse_expr("a + b offset 5m");
  ASSERT_TRUE(o.is_ok());
  EXPECT_EQ((*o)->as<BinaryExpr>().rhs->as<VectorSelector>().mods.offset, 5 * model::kMinute);
  // `offset <literal>` ends at the literal.
  auto lit = parse_expr("foo offset 100 + 2");
  ASSERT_TRUE(lit.is_ok());
  EXPECT_EQ((*lit)->as<BinaryExpr>().lhs->as<VectorSelector>().mods.offset, 100 * model::kSecond);
  auto pw = parse_expr("foo offset -2 ^ 2");
  ASSERT_TRUE(pw.is_ok());
  EXPECT_EQ((*pw)->as<BinaryExpr>().lhs->as<VectorSelector>().mods.offset, -2 * model::kSecond);
}

TEST(ParserTest, VectorMatching) {
  auto r = parse_expr("a * on(x, y) group_left(z) b");
  ASSERT_TRUE(r.is_ok());
  const auto& b = (*r)->as<BinaryExpr>();
  ASSERT_TRUE(b.matching.has_value());
  EXPECT_TRUE(b.matching->on);
  EXPECT_EQ(b.matching->card, VectorMatchCardinality::kManyToOne);
  EXPECT_EQ(b.matching->matching_labels, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(b.matching->include, (std::vector<std::string>{"z"}));

  auto set = parse_expr("a and ignoring(x) b");
  ASSERT_TRUE(set.is_ok());
  const auto& s = (*set)->as<BinaryExpr>();
  ASSERT_TRUE(s.matching.has_value());
  EXPECT_FALSE(s.matching->on);
  EXPECT_EQ(s.matching->card, VectorMatchCardinality::kManyToMany);

  auto plain = parse_expr("a / b");
  ASSERT_TRUE(plain.is_ok());
  ASSERT_TRUE((*plain)->as<BinaryExpr>().matching.has_value());
  EXPECT_EQ((*plain)->as<BinaryExpr>().matching->card, VectorMatchCardinality::kOneToOne);

  // No matching unless both sides are instant vectors.
  auto scalar = parse_expr("a / 2");
  ASSERT_TRUE(scalar.is_ok());
  EXPECT_FALSE((*scalar)->as<BinaryExpr>().matching.has_value());
  EXPECT_EQ((*scalar)->type(), ValueType::kVector);
  auto both = parse_expr("1 / 2");
  ASSERT_TRUE(both.is_ok());
  EXPECT_EQ((*both)->type(), ValueType::kScalar);

  auto cmp = parse_expr("a > bool b");
  ASSERT_TRUE(cmp.is_ok());
  EXPECT_TRUE((*cmp)->as<BinaryExpr>().return_bool);
  EXPECT_EQ((*cmp)->as<BinaryExpr>().op_pos, 2);
}

TEST(ParserTest, AggregateShape) {
  auto r = parse_expr("topk(3, foo) without (a, b)");
  ASSERT_TRUE(r.is_ok());
  const auto& a = (*r)->as<AggregateExpr>();
  EXPECT_EQ(a.op, AggregateOp::kTopk);
  EXPECT_TRUE(a.without);
  EXPECT_EQ(a.grouping, (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(a.param);
  EXPECT_DOUBLE_EQ(a.param->as<NumberLiteral>().value, 3);
  EXPECT_TRUE(a.expr->is<VectorSelector>());

  auto cv = parse_expr(R"(count_values by (job) ("v", foo))");
  ASSERT_TRUE(cv.is_ok());
  EXPECT_EQ((*cv)->as<AggregateExpr>().param->as<StringLiteral>().value, "v");
  EXPECT_FALSE((*cv)->as<AggregateExpr>().without);

  auto plain = parse_expr("sum(foo)");
  ASSERT_TRUE(plain.is_ok());
  EXPECT_FALSE((*plain)->as<AggregateExpr>().param);
  EXPECT_TRUE((*plain)->as<AggregateExpr>().grouping.empty());
}

TEST(ParserTest, CallShape) {
  auto r = parse_expr("label_join(up, \"dst\", \",\", \"a\", \"b\", \"c\")");
  ASSERT_TRUE(r.is_ok());
  const auto& c = (*r)->as<Call>();
  ASSERT_NE(c.func, nullptr);
  EXPECT_EQ(c.func->name, "label_join");
  EXPECT_EQ(c.args.size(), 6u);
  EXPECT_EQ(c.pos.start, 0);
  auto t = parse_expr("time()");
  ASSERT_TRUE(t.is_ok());
  EXPECT_EQ((*t)->type(), ValueType::kScalar);
  EXPECT_TRUE((*t)->as<Call>().args.empty());
}

TEST(ParserTest, Children) {
  auto r = parse_expr("topk(2, rate(a[5m]) + on(x) -b{c=\"d\"})");
  ASSERT_TRUE(r.is_ok());
  auto top = children(**r);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_TRUE(top[0]->is<NumberLiteral>());
  ASSERT_TRUE(top[1]->is<BinaryExpr>());
  auto sides = children(*top[1]);
  ASSERT_EQ(sides.size(), 2u);
  EXPECT_TRUE(sides[0]->is<Call>());
  EXPECT_TRUE(children(*sides[0])[0]->is<MatrixSelector>());
  EXPECT_TRUE(children(*children(*sides[0])[0])[0]->is<VectorSelector>());
  EXPECT_TRUE(sides[1]->is<UnaryExpr>());
  EXPECT_TRUE(children(*children(*sides[1])[0]).empty());
}

TEST(ParserTest, KeywordsAsMetricNames) {
  for (const char* name : {"sum", "by", "without", "offset", "and", "or", "unless", "start", "end",
                           "count_values", "limitk"}) {
    SCOPED_TRACE(name);
    auto r = parse_expr(name);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    EXPECT_EQ((*r)->as<VectorSelector>().name, name);
  }
  // Inside braces every word is a label name.
  auto r = parse_expr(R"(foo{by="1", offset="2", sum="3"})");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ((*r)->as<VectorSelector>().matchers.size(), 4u);
}

TEST(ParserTest, ExperimentalFunctionsNeedTheOption) {
  for (const char* q :
       {"limitk(2, foo)", "limit_ratio(0.5, foo)", "mad_over_time(foo[5m])",
        "sort_by_label(foo, \"a\", \"b\")", "info(up, {job=\"x\"})", "ts_of_max_over_time(foo[5m])",
        "double_exponential_smoothing(foo[5m], 0.1, 0.2)"}) {
    SCOPED_TRACE(q);
    EXPECT_FALSE(parse_expr(q).is_ok());
    auto r = parse_all_features(q);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    EXPECT_EQ(to_string(**r), q);
  }
}

TEST(ParserTest, InfoFunction) {
  auto r = parse_all_features(R"(info(up, {k8s_cluster_name=~".*"}))");
  ASSERT_TRUE(r.is_ok()) << r.status().message();  // may match the empty string
  EXPECT_TRUE((*r)->as<Call>().args[1]->as<VectorSelector>().bypass_empty_matcher_check);
  auto named = parse_all_features(R"(info(up, target_info{foo="bar"}))");
  ASSERT_FALSE(named.is_ok());
  EXPECT_EQ(named.status().message(),
            "1:10: parse error: expected label selectors only, got vector selector instead");
  auto one = parse_all_features("info(up)");
  ASSERT_TRUE(one.is_ok());
}

TEST(ParserTest, DurationExpressions) {
  struct {
    const char* in;
    const char* printed;
    model::Duration range, step, offset;
  } cases[] = {
      {"foo[26m+4m]", "foo[26m + 4m]", 30 * model::kMinute, 0, 0},
      {"foo[60*30]", "foo[60 * 30]", 30 * model::kMinute, 0, 0},
      {"foo[2m*(10+5)]", "foo[2m * (10 + 5)]", 30 * model::kMinute, 0, 0},
      {"foo[1h30m % 1h]", "foo[1h30m % 1h]", 30 * model::kMinute, 0, 0},
      {"foo[-5m+35m]", "foo[-5m + 35m]", 30 * model::kMinute, 0, 0},
      {"foo[(9m30s+30s)*3]", "foo[(9m30s + 30s) * 3]", 30 * model::kMinute, 0, 0},
      {"foo offset (100 + 2)", "foo offset (100 + 2)", 0, 0, 102 * model::kSecond},
      {"foo offset (-2 ^ 2)", "foo offset (-2 ^ 2)", 0, 0, -4 * model::kSecond},
      {"foo offset -(1m + 1m)", "foo offset -(1m + 1m)", 0, 0, -2 * model::kMinute},
      {"foo offset (1m) * 2", "foo offset 1m * 2", 0, 0, 2 * model::kMinute},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    auto r = parse_all_features(c.in);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    EXPECT_EQ(to_string(**r), c.printed);
    const Expr& e = **r;
    if (e.is<MatrixSelector>()) {
      EXPECT_EQ(e.as<MatrixSelector>().range, c.range);
    } else {
      EXPECT_EQ(e.as<VectorSelector>().mods.offset, c.offset);
    }
    auto again = parse_all_features(to_string(e));
    ASSERT_TRUE(again.is_ok()) << to_string(e);
    EXPECT_EQ(to_string(**again), to_string(e));
  }
  auto sq = parse_all_features("sum_over_time(x[29s+1s:((((8 - 2) / 3) * 7s) % 4) + 8000ms])");
  ASSERT_TRUE(sq.is_ok()) << sq.status().message();
  const auto& s = (*sq)->as<Call>().args[0]->as<SubqueryExpr>();
  EXPECT_EQ(s.range, 30 * model::kSecond);
  EXPECT_EQ(s.step, 10 * model::kSecond);

  struct {
    const char* in;
    const char* error;
  } bad[] = {
      {"foo[5s/0d]", "1:7: parse error: division by zero"},
      {"foo[5s%0d]", "1:7: parse error: modulo by zero"},
      {"foo offset (4d/0)", "1:15: parse error: division by zero"},
      {"foo[-2^2]", "4:8: duration must be greater than 0"},
      {"foo[5m:(1m-2m)]", "8:13: duration must be greater than 0"},
      {"foo[5m/(1m-1m)]", "4:13: division by zero"},
      {"foo[5m+]",
       "1:8: parse error: unexpected \"]\" in subquery selector, expected number or duration"},
      {"foo offset (1m) + bar",
       "1:19: parse error: unexpected identifier \"bar\" in offset, expected number or duration"},
  };
  for (const auto& c : bad) {
    SCOPED_TRACE(c.in);
    auto r = parse_all_features(c.in);
    ASSERT_FALSE(r.is_ok()) << to_string(**r);
    EXPECT_EQ(r.status().message(), c.error);
  }
}

TEST(ParserTest, DeepNestingIsAnErrorNotACrash) {
  std::string parens = std::string(5000, '(') + "1" + std::string(5000, ')');
  auto r = parse_expr(parens);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("nesting too deep"), std::string::npos);

  std::string chain = "1";
  for (int i = 0; i < 3000; ++i) chain += " + 1";
  EXPECT_FALSE(parse_expr(chain).is_ok());
  std::string pows = "1";
  for (int i = 0; i < 3000; ++i) pows += " ^ 1";
  EXPECT_FALSE(parse_expr(pows).is_ok());
  EXPECT_FALSE(parse_expr(std::string(5000, '-') + "1").is_ok());
  std::string subq = "foo";
  for (int i = 0; i < 3000; ++i) subq += "[1m:]";
  EXPECT_FALSE(parse_expr(subq).is_ok());
  std::string calls;
  for (int i = 0; i < 3000; ++i) calls += "abs(";
  calls += "foo" + std::string(3000, ')');
  EXPECT_FALSE(parse_expr(calls).is_ok());

  // Reasonable depth is fine.
  std::string ok = std::string(200, '(') + "foo" + std::string(200, ')');
  EXPECT_TRUE(parse_expr(ok).is_ok());
  std::string long_chain = "1";
  for (int i = 0; i < 500; ++i) long_chain += " + 1";
  EXPECT_TRUE(parse_expr(long_chain).is_ok());
}

TEST(ParserTest, ErrorPositionsCountLinesAndBytes) {
  auto r = parse_expr("foo\n  + \n  rate(bar)");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(),
            "3:8: parse error: expected type range vector in call to function \"rate\", got "
            "instant vector");
  auto u = parse_expr("\"\xC3\xA9\" + foo bar");
  ASSERT_FALSE(u.is_ok());
  EXPECT_EQ(u.status().message(), "1:12: parse error: unexpected identifier \"bar\"");
}

TEST(ParserTest, InvalidUtf8InStrings) {
  auto r = parse_expr("some_metric{a=\"\xff\"}");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "1:15: parse error: invalid UTF-8 rune");
  auto raw = parse_expr("label_replace(a, `b`, `c\xff`, `d`, `.*`)");
  ASSERT_FALSE(raw.is_ok());
  EXPECT_EQ(raw.status().message(), "1:23: parse error: invalid UTF-8 rune");
}

TEST(ParseMetricSelectorTest, Selectors) {
  auto r = parse_metric_selector(R"(up{job="x", env=~"a|b"})");
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[2].name(), "__name__");
  EXPECT_EQ((*r)[2].value(), "up");

  auto empty = parse_metric_selector("{}");  // the API applies its own rule
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->empty());
  auto quoted = parse_metric_selector(R"({"my.metric"})");
  ASSERT_TRUE(quoted.is_ok());
  EXPECT_EQ((*quoted)[0].value(), "my.metric");
  auto kw = parse_metric_selector("sum");
  ASSERT_TRUE(kw.is_ok());

  struct {
    const char* in;
    const char* error;
  } bad[] = {
      {"up offset 5m", "1:4: parse error: unexpected <offset>"},
      {"rate(up[5m])", "1:5: parse error: unexpected \"(\""},
      {"up[5m]", "1:3: parse error: unexpected \"[\""},
      {"1", "1:1: parse error: unexpected number \"1\""},
      {"up{a=~\"(\"}", nullptr},
      {"", "unknown position: parse error: unexpected end of input"},
      {"up{", "1:4: parse error: unexpected end of input inside braces"},
  };
  for (const auto& c : bad) {
    SCOPED_TRACE(c.in);
    auto e = parse_metric_selector(c.in);
    ASSERT_FALSE(e.is_ok());
    if (c.error) {
      EXPECT_EQ(e.status().message(), c.error);
    }
  }
}

TEST(ParseDurationLiteralTest, Values) {
  struct {
    const char* in;
    model::Duration want;
  } cases[] = {{"5m", 5 * model::kMinute},
               {"1h30m", 90 * model::kMinute},
               {"300", 300000},
               {"1.5", 1500},
               {"0", 0},
               {"500ms", 500},
               {"1y", model::kYear},
               {"0.001", 1}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    auto r = parse_duration_literal(c.in);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    EXPECT_EQ(*r, c.want);
  }
  for (const char* bad : {"", "5mm", "abc", "1.5h", "Inf", "NaN", "1e30", "5m1h"}) {
    SCOPED_TRACE(bad);
    EXPECT_FALSE(parse_duration_literal(bad).is_ok());
  }
  EXPECT_EQ(parse_duration_literal("x").status().message(),
            "cannot parse \"x\" to a valid duration");
}

TEST(FunctionSignaturesTest, TableIsSortedAndComplete) {
  auto all = all_functions();
  ASSERT_GE(all.size(), 80u);
  for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].name, all[i].name);
  for (const auto& f : all) {
    EXPECT_EQ(find_function(f.name), &f);
    if (f.variadic != 0) {
      EXPECT_FALSE(f.arg_types.empty()) << f.name;
    }
  }
  EXPECT_EQ(find_function("nope"), nullptr);
  EXPECT_EQ(find_function("Rate"), nullptr);  // names are case-sensitive
  const auto* rate = find_function("rate");
  ASSERT_NE(rate, nullptr);
  ASSERT_EQ(rate->arg_types.size(), 1u);
  EXPECT_EQ(rate->arg_types[0], ValueType::kMatrix);
  EXPECT_EQ(rate->return_type, ValueType::kVector);
  EXPECT_EQ(find_function("pi")->return_type, ValueType::kScalar);
  EXPECT_EQ(find_function("label_join")->variadic, -1);
  EXPECT_TRUE(find_function("mad_over_time")->experimental);
  EXPECT_FALSE(find_function("histogram_quantile")->experimental);
  for (const char* name : {"histogram_avg", "histogram_count", "histogram_sum", "histogram_stddev",
                           "histogram_stdvar", "histogram_fraction"}) {
    EXPECT_NE(find_function(name), nullptr) << name;
  }
}

}  // namespace
}  // namespace promlite::query
