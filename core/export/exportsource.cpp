#include "exportsource.h"

#include "filesource.h"
#include "httpsource.h"

#include <QFileInfo>
#include <QUrl>

namespace hb {

bool isUrlSource(const QString &spec)
{
    return spec.startsWith(QLatin1String("http://"), Qt::CaseInsensitive) ||
           spec.startsWith(QLatin1String("https://"), Qt::CaseInsensitive);
}

std::unique_ptr<ExportSource> createSource(const QString &spec)
{
    if (isUrlSource(spec)) return std::make_unique<HttpSource>(QUrl(spec));
    return std::make_unique<FileSource>(spec);
}

QString sourceForMessages(const QString &spec)
{
    if (FileSource::isStandardInput(spec)) return QStringLiteral("standard input");
    return isUrlSource(spec) ? QUrl(spec).toDisplayString(QUrl::RemoveUserInfo) : spec;
}

QString sourceDisplayName(const QString &spec)
{
    if (isUrlSource(spec)) return QUrl(spec).toDisplayString(QUrl::RemoveUserInfo);
    if (FileSource::isStandardInput(spec)) return spec;
    return QFileInfo(spec).fileName();
}

} // namespace hb
