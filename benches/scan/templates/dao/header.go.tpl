package dao

import (
    "context"
    "errors"
    "fmt"
    "strings"
    "time"

    "golang.org/x/sync/singleflight"
    "gorm.io/gorm"

    "github.com/go-dev-frame/sponge/pkg/logger"
    "github.com/go-dev-frame/sponge/pkg/sgorm/query"
    "github.com/go-dev-frame/sponge/pkg/utils"

    "$M/internal/cache"
    "$M/internal/database"
    "$M/internal/model"
)

var _ $EDao = (*$eDao)(nil)

// $EDao defining the dao interface
type $EDao interface {
    Create(ctx context.Context, table *model.$E) error
    DeleteByID(ctx context.Context, id uint64) error
    UpdateByID(ctx context.Context, table *model.$E) error
    GetByID(ctx context.Context, id uint64) (*model.$E, error)
    GetByColumns(ctx context.Context, params *query.Params) ([]*model.$E, int64, error)

    CreateByTx(ctx context.Context, tx *gorm.DB, table *model.$E) (uint64, error)
    DeleteByTx(ctx context.Context, tx *gorm.DB, id uint64) error
    UpdateByTx(ctx context.Context, tx *gorm.DB, table *model.$E) error
}

type $eDao struct {
    db *gorm.DB
    // if nil, the cache is not used.
    cache cache.$ECache
    // if cache is nil, the sfg is not used.
    sfg *singleflight.Group
}

// New$EDao creating the dao interface
func New$EDao(db *gorm.DB, xCache cache.$ECache) $EDao {
    if xCache == nil {
        return &$eDao{db: db}
    }
    return &$eDao{
        db:    db,
        cache: xCache,
        sfg:   new(singleflight.Group),
    }
}

func (d *$eDao) deleteCache(ctx context.Context, id uint64) error {
    if d.cache != nil {
        return d.cache.Del(ctx, id)
    }
    return nil
}

