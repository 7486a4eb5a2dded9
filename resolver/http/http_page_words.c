#include "resolver/http/http_page_words.h"

#include <stddef.h>

static const struct http_page_words en = {
    .html_lang = "en",
    .site = "Handle resolver",
    .search = "Handle, e.g. 88.100.1/LOT-2026-000123",
    .resolve = "Resolve",
    .form_intro = "Type or paste an identifier to see where it leads and what it records.",
    .values_of = "Values of the handle",
    .no_values = "This handle has no public values.",
    .index = "index",
    .updated = "Updated",
    .as_json = "JSON",
    .binary_before = "",
    .binary_after = " bytes of binary data",
    .admin_is = "Administrator",
    .admin_index = "index",
    .admin_may = "May",
    .admin_nothing = "no permissions",
    .adm = {"add handles", "delete handles", "add prefixes", "delete prefixes", "modify values",
            "remove values", "add values", "modify administrators", "remove administrators",
            "add administrators", "read values", "list handles"},
    .key_before = " public key, ",
    .key_after = " bits",
    .site_before = "Service site, ",
    .site_after = " servers",
    .primary = "primary",
    .vlist_before = "List of ",
    .vlist_after = " values",
    .months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
    .date_ymd = false,
    .list_sep = ", ",
    .other_lang = "中文",
    .other_code = "zh",
    .error = "Error ",
    .status_400 = "Bad request",
    .status_404 = "Handle not found",
    .status_405 = "Method not allowed",
    .status_414 = "Address too long",
    .status_500 = "Server error",
    .status_502 = "No answer from the handle's service",
    .status_503 = "Service busy, try again shortly",
};

static const struct http_page_words zh = {
    .html_lang = "zh-CN",
    .site = "标识解析",
    .search = "标识，例如 88.100.1/LOT-2026-000123",
    .resolve = "解析",
    .form_intro = "输入或粘贴标识，查看它指向哪里、记录了什么。",
    .values_of = "标识的值",
    .no_values = "该标识没有公开的值。",
    .index = "索引",
    .updated = "更新于",
    .as_json = "JSON",
    .binary_before = "",
    .binary_after = " 字节二进制数据",
    .admin_is = "管理员",
    .admin_index = "索引",
    .admin_may = "权限",
    .admin_nothing = "无权限",
    .adm = {"创建标识", "删除标识", "创建前缀", "删除前缀", "修改值", "删除值", "添加值",
            "修改管理员", "删除管理员", "添加管理员", "读取值", "列出标识"},
    .key_before = " 公钥，",
    .key_after = " 位",
    .site_before = "服务站点，",
    .site_after = " 台服务器",
    .primary = "主站点",
    .vlist_before = "",
    .vlist_after = " 个值的列表",
    .months = {"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"},
    .date_ymd = true,
    .list_sep = "、",
    .other_lang = "English",
    .other_code = "en",
    .error = "错误 ",
    .status_400 = "请求无效",
    .status_404 = "未找到该标识",
    .status_405 = "不支持该请求方法",
    .status_414 = "地址过长",
    .status_500 = "服务器错误",
    .status_502 = "标识所在服务没有应答",
    .status_503 = "服务繁忙，请稍后再试",
};

const struct http_page_words *http_page_words(enum http_lang lang)
{
    return lang == HTTP_LANG_ZH ? &zh : &en;
}

const char *http_page_status_title(const struct http_page_words *w, int status)
{
    switch (status) {
    case 400:
        return w->status_400;
    case 404:
        return w->status_404;
    case 405:
        return w->status_405;
    case 414:
        return w->status_414;
    case 500:
        return w->status_500;
    case 502:
        return w->status_502;
    case 503:
        return w->status_503;
    default:
        return NULL;
    }
}
