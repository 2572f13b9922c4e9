#pragma once

// A paint device that keeps the text painted on it and where: what a view shows, as
// a person would read it (elided or not), whichever style or delegate drew it.
// widget->render(&recorder) paints the widget into it.

#include <QList>
#include <QPaintDevice>
#include <QPaintEngine>
#include <QPointF>
#include <QString>
#include <QTransform>
#include <QWidget>

namespace hb::test {

class TextRecorder final : public QPaintDevice
{
public:
    struct Item
    {
        QPointF pos; // the text's baseline origin, in the device's coordinates
        QString text;
    };

    // Metrics (size, DPI) as the widget's, so text is laid out as on screen.
    explicit TextRecorder(const QWidget *like) : m_like(like), m_engine(this) {}
    ~TextRecorder() override = default;

    QPaintEngine *paintEngine() const override { return &m_engine; }

    QList<Item> items;

protected:
    int metric(PaintDeviceMetric m) const override
    {
        switch (m) {
        case PdmWidth:
            return m_like->width();
        case PdmHeight:
            return m_like->height();
        case PdmWidthMM:
            return m_like->widthMM();
        case PdmHeightMM:
            return m_like->heightMM();
        case PdmNumColors:
            return m_like->colorCount();
        case PdmDepth:
            return m_like->depth();
        case PdmDpiX:
            return m_like->logicalDpiX();
        case PdmDpiY:
            return m_like->logicalDpiY();
        case PdmPhysicalDpiX:
            return m_like->physicalDpiX();
        case PdmPhysicalDpiY:
            return m_like->physicalDpiY();
        case PdmDevicePixelRatio:
            return int(m_like->devicePixelRatio());
        case PdmDevicePixelRatioScaled:
            return int(m_like->devicePixelRatioF() * devicePixelRatioFScale());
        }
        return 0;
    }

private:
    class Engine final : public QPaintEngine
    {
    public:
        explicit Engine(TextRecorder *device) : QPaintEngine(AllFeatures), m_device(device) {}
        bool begin(QPaintDevice *) override { return true; }
        bool end() override { return true; }
        void updateState(const QPaintEngineState &state) override
        {
            if (state.state() & DirtyTransform) m_transform = state.transform();
        }
        void drawTextItem(const QPointF &p, const QTextItem &item) override
        {
            m_device->items.append({m_transform.map(p), item.text()});
        }
        void drawPixmap(const QRectF &, const QPixmap &, const QRectF &) override {}
        void drawImage(const QRectF &, const QImage &, const QRectF &,
                       Qt::ImageConversionFlags) override
        {
        }
        void drawTiledPixmap(const QRectF &, const QPixmap &, const QPointF &) override {}
        void drawRects(const QRectF *, int) override {}
        void drawRects(const QRect *, int) override {}
        void drawLines(const QLineF *, int) override {}
        void drawLines(const QLine *, int) override {}
        void drawEllipse(const QRectF &) override {}
        void drawPath(const QPainterPath &) override {}
        void drawPolygon(const QPointF *, int, PolygonDrawMode) override {}
        void drawPolygon(const QPoint *, int, PolygonDrawMode) override {}
        void drawPoints(const QPointF *, int) override {}
        void drawPoints(const QPoint *, int) override {}
        Type type() const override { return User; }

    private:
        TextRecorder *m_device;
        QTransform m_transform;
    };

    const QWidget *m_like;
    mutable Engine m_engine;
};

} // namespace hb::test
