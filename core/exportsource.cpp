#include "exportsource.h"

#include "filesource.h"
#include "httpsource.h"

#include <QFileInfo>
#include <QUrl>

namespace hb {

namespace {

bool looksLikeUrl(const QString &spec)
{
    return spec.startsWith(QLatin1String("http://"), Qt::CaseInsensitive) ||
           spec.startsWith(QLatin1String("https://"), Qt::CaseInsensitive);
}

// Refuses at open(), naming why: for sources this build cannot read.
class UnsupportedSource final : public ExportSource
{
public:
    explicit UnsupportedSource(QString why) : m_why(std::move(why)) {}
    bool open() override { return false; }
    qint64 size() const override { return -1; }
    QString displayName() const override { return {}; }
    qint64 read(char *, qint64, int) override { return -1; }
    bool atEnd() const override { return true; }
    void close() override {}
    QString errorString() const override { return m_why; }

private:
    QString m_why;
};

} // namespace

std::unique_ptr<ExportSource> createSource(const QString &spec)
{
    if (looksLikeUrl(spec))
        return std::make_unique<HttpSource>(QUrl(spec));
    return std::make_unique<FileSource>(spec);
}

QString sourceDisplayName(const QString &spec)
{
    if (looksLikeUrl(spec))
        return QUrl(spec).toDisplayString(QUrl::RemoveUserInfo);
    return QFileInfo(spec).fileName();
}

} // namespace hb
