#include "windowstate.h"

#include <QDir>
#include <QHeaderView>
#include <QMainWindow>
#include <QSettings>

namespace hb {

namespace {

const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kHeader = QStringLiteral("window/exportListHeader");
const QString kLastDir = QStringLiteral("window/lastDirectory");
const QString kSaveDir = QStringLiteral("window/saveDirectory");

} // namespace

WindowState::Folders WindowState::folders(const QSettings &store)
{
    return {store.value(kLastDir, QDir::homePath()).toString(), store.value(kSaveDir).toString()};
}

void WindowState::restore(const QSettings &store, QMainWindow &window, QHeaderView &header)
{
    window.restoreGeometry(store.value(kGeometry).toByteArray());
    window.restoreState(store.value(kState).toByteArray());
    header.restoreState(store.value(kHeader).toByteArray());
}

void WindowState::save(QSettings &store, const QMainWindow &window, const QHeaderView &header,
                       const Folders &folders)
{
    store.setValue(kGeometry, window.saveGeometry());
    store.setValue(kState, window.saveState());
    store.setValue(kHeader, header.saveState());
    store.setValue(kLastDir, folders.lastAdded);
    store.setValue(kSaveDir, folders.lastSaved);
    store.sync();
}

} // namespace hb
